"""The real embedded backend (SmolLM2-135M in llama.cpp) behind the guard, on the article's own questions."""

from __future__ import annotations

import re

import pytest

from assistant.llm import build_chat_model
from assistant.settings import Settings
from tests.assistant.invariants import assert_well_cited

pytestmark = pytest.mark.integration

CASES = [
    (
        "Will I lose my engineering skills if I move into product management?",
        "Q & A > I'm interested in Product",
        r"losing your engineering ability|lose (some of )?your engineering",
        r"\b(won't|will not|not) lose\b|^no\b",
    ),
    (
        "Is it true that staff engineers only write code?",
        "Q & A > Myths about staff-level engineers",
        r"myth|almost never exists",
        r"^(yes|staff[- ]level engineers (only|just) write code)",
    ),
    (
        "What are the top skills of a staff engineer?",
        "Staff engineer",
        r"technical",
        r"^$",
    ),
    (
        "What's the career path that gets me to the exec level the fastest?",
        "Q & A > What's the career path",
        r"depends|engineering-driven|sales|own company|smaller company|impact",
        r"^$",
    ),
]


@pytest.fixture(scope="module")
def embedded(make_service):
    settings = Settings(_env_file=None, llm_backend="embedded")
    return make_service(build_chat_model(settings), backend="embedded", llm_timeout_s=120)


@pytest.mark.parametrize("question,section,key_point,opposite", CASES, ids=["product", "myth", "skills", "exec"])
def test_answers_are_cited_carry_the_key_point_and_never_the_opposite(
    embedded, cleaned_article, question, section, key_point, opposite
):
    answer = embedded.ask(question)
    assert not answer.abstained
    assert_well_cited(answer, cleaned_article)
    assert any(c.section.startswith(section) for c in answer.citations), [c.section for c in answer.citations]
    assert re.search(key_point, answer.answer, re.I), answer.answer
    for sentence in answer.sentences:
        assert not re.search(opposite, sentence.text.strip(), re.I) or opposite == r"^$", sentence.text


def test_out_of_scope_abstains_with_the_real_backend(embedded):
    answer = embedded.ask("What is the capital of France?")
    assert answer.abstained
    assert "Paris" not in answer.answer
