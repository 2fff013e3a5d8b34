"""Readers' flagged questions as dataset items: the project's own loader reads the export as it
is and once labelled, and labelled items land in the tuning split only."""

from __future__ import annotations

import pytest
import yaml

from assistant.feedback import AnswerRecord, StoredAnswer
from evals.dataset import load_cases
from evals.feedback_items import feedback_document, feedback_yaml, load_feedback_cases
from tests.assistant.feedback.answers import an_answer

TRICKY = "Is a PM role: 'better' than #staff?\tAsk \"anyone\""


def stored(question: str, rating: int | None, abstained: bool = False, comment: str = "") -> StoredAnswer:
    record = AnswerRecord.of(an_answer(question, abstained=abstained), 1_800_000_000.0)
    return StoredAnswer(record, rating, comment, None if rating is None else 1_800_000_060.0)


@pytest.fixture
def flagged() -> list[StoredAnswer]:
    return [
        stored(TRICKY, -1, comment="wrong section\nentirely"),
        stored("How do I get a visa for Canada?", None, abstained=True),
        stored("What do staff engineers do?", 1),  # liked: not a gap, not exported
    ]


def test_the_export_holds_the_down_voted_and_the_abstained_unlabelled_with_their_context(flagged):
    items = feedback_document(flagged)["gold"]
    assert [item["question"] for item in items] == [TRICKY, "How do I get a visa for Canada?"]
    assert all(item["needs_label"] and item["id"].startswith("feedback-") for item in items)
    down, gap = (item["feedback"] for item in items)
    assert (down["reason"], down["rating"], down["comment"]) == ("down-voted", -1, "wrong section\nentirely")
    assert down["read_as"] == TRICKY.replace("PM", "product management") and down["cited_sections"] == ["Management"]
    assert (gap["reason"], gap["rating"], gap["index_version"]) == ("abstained", None, "v-1")
    assert down["asked"] == "2027-01-15T08:00:00+00:00"


def test_the_projects_loader_reads_the_export_as_it_is(flagged, tmp_path):
    path = tmp_path / "feedback.yaml"
    path.write_text(feedback_yaml(flagged), encoding="utf-8")
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["split"] == "tuning"
    cases = load_cases(path)
    assert [(c.category, c.question) for c in cases] == [("gold", TRICKY), ("gold", "How do I get a visa for Canada?")]
    assert load_feedback_cases(path) == []  # nothing labelled yet


def test_labelled_items_load_in_the_tuning_split_only(flagged, tmp_path):
    path = tmp_path / "feedback.yaml"
    path.write_text(feedback_yaml(flagged), encoding="utf-8")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    labelled, gap = data["gold"]
    del labelled["needs_label"]
    labelled.update(
        passage="Going into management is a career change",
        sections=["Management"],
        reference="Management is a different job.",
        key_points=["different job"],
    )
    data["gold"] = [labelled]
    data["out_of_scope"]["near"].append(gap["question"])  # the articles do not cover it
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")

    cases = load_feedback_cases(path)
    assert [(c.category, c.question, c.split) for c in cases] == [
        ("gold", TRICKY, "tuning"),
        ("out_of_scope", "How do I get a visa for Canada?", "tuning"),
    ]
    assert cases[0].key_points == ["different job"] and cases[0].sections == ["Management"]


def test_a_file_that_is_not_an_export_is_refused(tmp_path):
    path = tmp_path / "other.yaml"
    path.write_text("gold: []\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not a feedback export"):
        load_feedback_cases(path)


def test_an_empty_store_exports_an_empty_document(tmp_path):
    path = tmp_path / "feedback.yaml"
    path.write_text(feedback_yaml([]), encoding="utf-8")
    assert load_cases(path) == [] and yaml.safe_load(path.read_text(encoding="utf-8"))["gold"] == []
