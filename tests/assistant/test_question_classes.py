"""Issue 10's failure classes, each on a question of its kind, through the real retriever
and embedding model (extractive: no LLM, so what is checked is retrieval, abstention and
quote selection). The evaluation suite measures the classes at scale; these pin them."""

from __future__ import annotations

import pytest

from assistant.rewrite import Turn
from tests.assistant.invariants import assert_well_cited

pytestmark = pytest.mark.integration


def _history(*questions: str) -> list[Turn]:
    turns: list[Turn] = []
    for question in questions:
        turns += [Turn(role="user", content=question), Turn(role="assistant", content="An answer [1].")]
    return turns


@pytest.fixture(scope="module")
def ask(make_service, cleaned_article):
    service = make_service()

    def run(question: str, *earlier: str):
        answer = service.ask(question, _history(*earlier))
        assert_well_cited(answer, cleaned_article)
        return answer

    return run


def test_a_question_naming_the_article_s_own_example_is_answered(ask):
    answer = ask("car factory analogy?")
    assert not answer.abstained
    assert "car factory" in answer.sentences[0].text


@pytest.mark.parametrize(
    ("question", "expansion", "section"),
    [
        ("PM skills?", "(product management)", "Product Management"),
        ("EMs need tech skills?", "(engineering manager)", "Engineering manager"),
    ],
)
def test_a_short_form_is_read_with_the_corpus_s_glossary(ask, question, expansion, section):
    answer = ask(question)
    assert expansion in answer.standalone_question
    assert not answer.abstained
    assert any(c.section.startswith(section) for c in answer.citations)


@pytest.mark.parametrize(
    ("question", "unknown"),
    [("How much does a staff engineer make at Google?", "google"), ("What OKRs should a product manager set?", "okrs")],
)
def test_a_near_domain_fact_the_article_does_not_hold_is_declined_by_name(ask, question, unknown):
    answer = ask(question)
    assert answer.abstained
    assert any(f"“{unknown}”" in note for note in answer.notes)


def test_a_why_question_gets_the_claim_with_its_reason(ask):
    answer = ask("Why is being a staff engineer a more defensible position?")
    lead = answer.sentences[0].text
    assert "more defensible position" in lead and "harder to find and replace" in lead


def test_a_follow_up_naming_a_new_subject_swaps_it_into_the_earlier_question(ask):
    answer = ask("Is that true for managers too?", "What skills does a staff engineer need?")
    assert "managers" in answer.standalone_question and "staff engineer" not in answer.standalone_question
    assert answer.citations[0].section == "Engineering manager"


def test_a_bare_why_carries_the_earlier_question(ask):
    answer = ask("Why?", "Should I stay an IC?")
    assert "Should I stay an IC?" in answer.standalone_question
    assert not answer.abstained
