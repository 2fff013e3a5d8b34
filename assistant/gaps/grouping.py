"""Questions the article does not answer, grouped by topic.

Each distinct question is embedded with the service's own model (the one that built the
index, so its vectors sit beside the chunks'); the questions are clustered by scikit-learn's
agglomerative clustering, average linkage over cosine distance, cut at GAP_DISTANCE, so
the number of groups comes from the questions themselves. Each group is named by its most
distinctive words (TF-IDF over the groups, scikit-learn's English stop words left out),
shown by its questions nearest its centroid, and placed beside the article sections whose
chunks are nearest that centroid.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from assistant.gaps.report import GapGroup, GapReport
from assistant.service import AnswerService
from assistant.similarity import unit_rows

__all__ = ["GAP_DISTANCE", "build_gap_report", "topic_rows"]

# The mean cosine distance at which two groups stop merging. Measured in
# tests/assistant/test_gaps.py (test_the_distance_is_where_topics_are_found_best): the
# adjusted Rand index against known topics, on two labelled sets of questions, is best
# from 0.77 to 0.79 (0.96 and 0.72); this is the middle of that plateau.
GAP_DISTANCE = 0.78

MAX_EXAMPLES = 5
MAX_SECTIONS = 3
LABEL_WORDS = 3
# The most asked distinct questions grouped: clustering holds every pair's distance
# (3,000 questions: 36 MB), so a year of questions must not all go in at once.
MAX_QUESTIONS = 3000
# Chunks read for a group's closest sections: several may share a section.
_NEAREST_CHUNKS = 50
REASONS = ("abstained", "down-voted")


def build_gap_report(questions: Sequence[tuple[str, str]], service: AnswerService) -> GapReport:
    """The report of (question, reason) pairs, reason "abstained" or "down-voted". The same
    pairs in any order give the same report."""
    asked = _distinct(questions)
    kept = sorted(asked, key=lambda key: (-asked[key].total(), key))[:MAX_QUESTIONS]
    left_out = sum(asked[key].total() for key in asked) - sum(asked[key].total() for key in kept)
    kept.sort()
    if not kept:
        return GapReport(total=0, groups=[], left_out=left_out)
    shown = [asked[key].shown for key in kept]
    vectors = unit_rows(np.asarray(service.embed(shown), dtype=np.float64))
    weights = np.asarray([asked[key].total() for key in kept], dtype=np.float64)
    members = topic_rows(vectors)
    labels = _labels([[shown[i] for i in rows] for rows in members])
    groups = []
    for rows, label in zip(members, labels, strict=True):
        centroid = unit_rows((weights[rows, None] * vectors[rows]).sum(axis=0, keepdims=True))[0]
        # Most central first; ties in reading order of the sorted questions.
        central = sorted(rows, key=lambda row: (-float(vectors[row] @ centroid), row))
        reasons = Counter({reason: 0 for reason in REASONS})
        for row in rows:
            reasons.update(asked[kept[row]].reasons)
        groups.append(
            GapGroup(
                label=label or shown[central[0]],
                count=int(weights[rows].sum()),
                examples=[shown[row] for row in central[:MAX_EXAMPLES]],
                reasons=dict(reasons),
                closest_sections=_closest_sections(service, centroid),
            )
        )
    groups.sort(key=lambda g: (-g.count, -len(g.examples), g.label, g.examples))
    return GapReport(total=int(weights.sum()), groups=groups, left_out=left_out)


class _Asked:
    """One distinct question: how it reads and why it was a gap, each time it was asked."""

    def __init__(self) -> None:
        self.forms: Counter[str] = Counter()
        self.reasons: Counter[str] = Counter()

    @property
    def shown(self) -> str:
        """The form most often typed (the first in sorted order on a tie)."""
        return min(self.forms, key=lambda form: (-self.forms[form], form))

    def total(self) -> int:
        return self.forms.total()


def _distinct(questions: Sequence[tuple[str, str]]) -> dict[str, _Asked]:
    """Questions that differ only in case or spacing are one question asked again."""
    asked: dict[str, _Asked] = {}
    for question, reason in questions:
        form = " ".join(question.split())
        if not form:
            continue
        entry = asked.setdefault(form.casefold(), _Asked())
        entry.forms[form] += 1
        entry.reasons[reason] += 1
    return asked


def topic_rows(vectors: np.ndarray, distance: float = GAP_DISTANCE) -> list[list[int]]:
    """The rows of question vectors grouped by topic: groups merge while their questions'
    mean cosine distance stays below ``distance``. Each group's rows in order, the groups by
    their first row."""
    if len(vectors) == 1:
        return [[0]]
    from sklearn.cluster import AgglomerativeClustering

    labels = AgglomerativeClustering(
        n_clusters=None, distance_threshold=distance, metric="cosine", linkage="average"
    ).fit_predict(vectors)
    groups: dict[int, list[int]] = {}
    for row, label in enumerate(labels.tolist()):
        groups.setdefault(label, []).append(row)
    return list(groups.values())


def _labels(groups: list[list[str]]) -> list[str]:
    """A few words per group: those that weigh most in its questions and least in the other
    groups' (TF-IDF with each group one document); "" for a group with no such word."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    # Words of two characters or more that start with a letter ("h-1b" is one, "2025" none).
    vectorizer = TfidfVectorizer(stop_words="english", token_pattern=r"(?u)\b[^\W\d_][\w-]*\w\b")
    try:
        weights = vectorizer.fit_transform([" ".join(questions) for questions in groups]).toarray()
    except ValueError:  # nothing but stop words in every question
        return [""] * len(groups)
    words = vectorizer.get_feature_names_out()
    labels = []
    for row in weights:
        best = sorted((-weight, word) for weight, word in zip(row, words, strict=True) if weight > 0)
        labels.append(", ".join(word for _, word in best[:LABEL_WORDS]))
    return labels


def _closest_sections(service: AnswerService, centroid: np.ndarray) -> list[str]:
    """The sections of the chunks nearest the centroid, nearest first, each once."""
    sections: list[str] = []
    for passage in service.retriever.nearest(centroid.tolist(), _NEAREST_CHUNKS):
        if passage.section and passage.section not in sections:
            sections.append(passage.section)
            if len(sections) == MAX_SECTIONS:
                break
    return sections
