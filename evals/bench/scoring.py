"""One scoring of answers, ours and the peer's alike, with the evaluation's own metrics.

"Top citation right": the answer's first citation lies in a section the dataset expects
(evals.metrics.citation_accuracy on that one citation). "Off-topic abstained": an
out-of-scope question got no answer. hit@1 and key-point recall are the suite's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from evals.dataset import Case
from evals.metrics import citation_accuracy, first_relevant_rank, key_point_recall

__all__ = ["Scored", "score"]


@dataclass
class Scored:
    case: Case
    retrieved_sections: list[str]  # in rank order
    cited_sections: list[str]  # in citation order
    abstained: bool
    text: str


def score(answers: Sequence[Scored]) -> dict:
    in_scope = [a for a in answers if a.case.in_scope is True]
    off_topic = [a for a in answers if a.case.in_scope is False]
    top_right = [
        a
        for a in in_scope
        if not a.abstained and a.cited_sections and citation_accuracy(a.cited_sections[:1], a.case.sections)
    ]
    hit_1 = [a for a in in_scope if first_relevant_rank(a.retrieved_sections, a.case.sections) == 1]
    recall = [0.0 if a.abstained else key_point_recall(a.case.key_points, a.text) for a in in_scope]
    return {
        "in_scope": len(in_scope),
        "top_citation_right": len(top_right),
        "hit_at_1": len(hit_1),
        "answered_in_scope": sum(not a.abstained for a in in_scope),
        "key_point_recall": round(sum(recall) / max(len(recall), 1), 3),
        "off_topic": len(off_topic),
        "off_topic_abstained": sum(a.abstained for a in off_topic),
    }
