"""The evidence score's parts: meaning, words held by a passage, and the focus on unknown words."""

from __future__ import annotations

import math

from assistant.answerability import abstention, evidence_score, focus_penalty, term_coverage
from assistant.retrieval import Passage


def _passage(text: str, section: str = "Q & A") -> Passage:
    return Passage("id", text, {"section": section, "start": 0, "end": len(text)}, 0.3)


def test_coverage_is_the_rare_terms_one_passage_holds():
    idf = {"car": 3.0, "factory": 3.0, "analogy": 3.0}.get
    passages = [_passage("A car factory needs a manager per line."), _passage("An analogy.")]
    assert math.isclose(term_coverage("car factory analogy?", passages, lambda t: idf(t, 1.0)), 2 / 3)
    assert term_coverage("the", passages, lambda t: 1.0) == 0.0


def test_the_focus_penalty_is_the_largest_change_and_lowers_the_score():
    question = [1.0, 0.0]
    assert math.isclose(focus_penalty(question, [[0.8, 0.6], [0.99, math.sqrt(1 - 0.99**2)]]), 0.2)
    assert focus_penalty(question, []) == 0.0
    assert evidence_score(0.6, 0.6, 1.0, 0.2) < evidence_score(0.6, 0.6, 1.0, 0.0)
    assert evidence_score(0.6, 0.6, 0.0) < evidence_score(0.6, 0.6, 1.0)


def test_an_abstention_notes_the_words_no_article_uses_but_never_repeats_them():
    base = {"question": "q", "standalone_question": "q", "backend": "x"}
    answer = abstention(base, [_passage("t", "Staff")], "n", ["cats"])
    assert answer.abstained
    assert answer.answer == "The article doesn't cover this question. The closest sections are “Staff”."
    assert answer.notes == ["n", "The question turns on words no article uses: “cats”."]
