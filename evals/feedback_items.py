"""Readers' down-voted and abstained questions as evaluation items waiting for a label
(`assistant feedback export`).

The export is a YAML document in evals/dataset.yaml's own format, so the project's loader
(evals.dataset.load_cases) reads it as it is and once labelled. Every question is a `gold`
item, because only a person can tell an answer the articles should have given (fill in
passage, sections, reference, key_points) from a question they do not cover (move it under
`out_of_scope: near:` or `far:`); until then it says `needs_label: true`, and what the
labeller needs (why it was flagged, the reader's comment, the answer given, the sections it
cited) sits under `feedback:`, which the loader ignores.

These items belong to the tuning split, never the locked one: they were picked because the
assistant failed them, and a person read each one (with its answer) to label it, so they are
neither an unseen nor a fair sample. evals/split.py deals dataset.yaml's items by a hash of
their id, so the file says `split: tuning` and load_feedback_cases holds every item to it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import yaml

from assistant.feedback import StoredAnswer
from evals.dataset import Case, load_cases

__all__ = ["HEADER", "ID_PREFIX", "feedback_document", "feedback_yaml", "load_feedback_cases"]

ID_PREFIX = "feedback-"
# The first hex digits of the answer's id: unique among a store's answers by a wide margin
# (48 bits), short enough to name in a review.
_ID_DIGITS = 12

HEADER = """\
# Questions readers down-voted, and questions the assistant abstained on, from the feedback
# store (`assistant feedback export`): evaluation items in evals/dataset.yaml's format, for
# the TUNING split only (they were picked because the assistant failed them).
#
# Every item is unlabelled (`needs_label: true`). To label one, read its `feedback:` and the
# article, then either
#   - fill in passage, sections, reference and key_points (see the head of evals/dataset.yaml)
#     and delete `needs_label`, or
#   - if the articles do not cover it, move the question under `out_of_scope:` (`near:` or
#     `far:`) and delete the item.
# evals.feedback_items.load_feedback_cases(path) loads the labelled items, all in tuning.
"""


def _item(stored: StoredAnswer) -> dict:
    record = stored.record
    context = {
        "reason": stored.reason,
        "rating": stored.rating,
        "comment": stored.comment,
        "asked": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="seconds"),
        "read_as": record.standalone_question,
        "answer": record.answer,
        "cited_sections": list(dict.fromkeys(c["section"] for c in record.citation_list())),
        "backend": record.backend,
        "index_version": record.index_version,
    }
    return {
        "id": f"{ID_PREFIX}{record.id[:_ID_DIGITS]}",
        "needs_label": True,
        "question": record.question,
        "passage": "",
        "sections": [],
        "reference": "",
        "key_points": [],
        "feedback": context,
    }


def feedback_document(flagged: list[StoredAnswer]) -> dict:
    """The export as data: one unlabelled gold item per down-voted or abstained answer."""
    return {
        "split": "tuning",
        "gold": [_item(stored) for stored in flagged if stored.reason is not None],
        "out_of_scope": {"near": [], "far": []},
    }


def feedback_yaml(flagged: list[StoredAnswer]) -> str:
    body = yaml.safe_dump(feedback_document(flagged), sort_keys=False, allow_unicode=True, width=100)
    return HEADER + "\n" + body


def load_feedback_cases(path: Path) -> list[Case]:
    """The labelled items of an export (those without `needs_label: true`), read by the
    dataset's own loader and all in the tuning split."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if data.get("split") != "tuning":
        raise ValueError(f"{path.name} is not a feedback export (no `split: tuning`)")
    unlabelled = {item["id"] for item in data.get("gold") or [] if item.get("needs_label")}
    return [case.model_copy(update={"split": "tuning"}) for case in load_cases(path) if case.item not in unlabelled]
