"""The evidence score's parts: meaning, words held by a passage, and the focus on unknown words."""

from __future__ import annotations

import math

import pytest

from assistant.answerability import (
    COVERAGE_WEIGHT,
    FOCUS_WEIGHT,
    abstention,
    evidence_score,
    meaning_shifts,
    term_coverage,
)
from assistant.retrieval import Passage


def _passage(text: str, section: str = "Q & A") -> Passage:
    return Passage("id", text, {"section": section, "start": 0, "end": len(text)}, 0.3)


def test_coverage_is_the_rare_terms_one_passage_holds():
    idf = {"car": 3.0, "factory": 3.0, "analogy": 3.0}.get
    passages = [_passage("A car factory needs a manager per line."), _passage("An analogy.")]
    assert math.isclose(term_coverage("car factory analogy?", passages, lambda t: idf(t, 1.0)), 2 / 3)
    assert term_coverage("the", passages, lambda t: 1.0) == 0.0


def test_each_meaning_shift_is_the_cosine_distance_of_the_question_without_one_word():
    """What AnswerService._evidence gives evidence_score: one shift per uncovered word, in order."""
    question = [1.0, 0.0]
    without = [[0.8, 0.6], [0.99, math.sqrt(1 - 0.99**2)], [1.0, 0.0], [0.0, 1.0]]
    assert meaning_shifts(question, without) == pytest.approx([0.2, 0.01, 0.0, 1.0])
    assert meaning_shifts(question, []) == []


def test_the_evidence_score_is_the_mean_meaning_plus_weighted_words_minus_weighted_focus():
    assert evidence_score(0.5, 0.7) == 0.6  # the mean of the closest chunk and the closest sentence
    assert evidence_score(0.5, 0.7, coverage=0.5) == pytest.approx(0.6 + 0.5 * COVERAGE_WEIGHT)
    assert evidence_score(0.5, 0.7, focus=0.1) == pytest.approx(0.6 - 0.1 * FOCUS_WEIGHT)
    assert evidence_score(0.5, 0.7, 0.5, 0.1) == pytest.approx(0.6 + 0.5 * COVERAGE_WEIGHT - 0.1 * FOCUS_WEIGHT)
    assert COVERAGE_WEIGHT > 0 and FOCUS_WEIGHT > 0  # words held raise the score, a focus on unknown words lowers it
    assert evidence_score(0.123456, 0.0) == 0.0617  # rounded to 4 places


def test_an_abstention_notes_the_words_no_article_uses_but_never_repeats_them():
    base = {"question": "q", "standalone_question": "q", "backend": "x"}
    answer = abstention(base, [_passage("t", "Staff")], "n", ["cats"])
    assert answer.abstained
    assert answer.answer == "The article doesn't cover this question. The closest sections are “Staff”."
    assert answer.notes == ["n", "The question turns on words no article uses: “cats”."]
