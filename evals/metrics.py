"""Metric definitions, computed without an LLM judge. Each says what it measures and
where it comes from; "expected" passages are those whose section starts with one of the
case's sections (the dataset names sections, which survive re-chunking; chunk ids don't).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

__all__ = [
    "citation_accuracy",
    "context_precision",
    "first_relevant_rank",
    "key_point_recall",
    "matches",
    "percentile",
]


def _relevant(section: str, expected: Sequence[str]) -> bool:
    return any(section.startswith(prefix) for prefix in expected)


def first_relevant_rank(sections: Sequence[str], expected: Sequence[str]) -> int | None:
    """1-based rank of the first expected passage among the retrieved ones, or None.

    hit@k = share of cases with a rank <= k. MRR = mean of 1/rank (0 when missed), as in
    information retrieval (Voorhees, TREC-8 QA track).
    """
    for rank, section in enumerate(sections, start=1):
        if _relevant(section, expected):
            return rank
    return None


def context_precision(sections: Sequence[str], expected: Sequence[str]) -> float:
    """RAGAS context precision: sum over ranks k of precision@k * rel(k), divided by the
    number of relevant passages retrieved. RAGAS judges relevance with an LLM against the
    reference; here relevance is the expected sections, so it is exact and repeatable."""
    relevant_so_far, total = 0, 0.0
    for k, section in enumerate(sections, start=1):
        if _relevant(section, expected):
            relevant_so_far += 1
            total += relevant_so_far / k
    return total / relevant_so_far if relevant_so_far else 0.0


def citation_accuracy(cited_sections: Sequence[str], expected: Sequence[str]) -> bool:
    """The answer cites at least one expected passage (TruLens' groundedness asks whether the
    answer rests on the context; this asks whether it rests on the right part of it)."""
    return any(_relevant(s, expected) for s in cited_sections)


def matches(pattern: str, text: str) -> bool:
    return re.search(pattern, text, re.IGNORECASE | re.MULTILINE) is not None


def key_point_recall(key_points: Sequence[str], answer: str) -> float:
    """Share of the item's key points (paraphrase-tolerant patterns) the answer carries.
    DeepEval's and RAGAS' answer correctness ask an LLM whether facts are present; a pattern
    is stricter about wording but repeatable."""
    if not key_points:
        return 1.0
    return sum(matches(p, answer) for p in key_points) / len(key_points)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]
