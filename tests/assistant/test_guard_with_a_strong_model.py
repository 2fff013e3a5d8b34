"""The guard end to end as a strong model would meet it: a scripted OpenAI-compatible server
on loopback (tests/trickling_llm.py) answers through the real `openai` backend, the real
service and, last, a real `assistant serve`, with two- and three-sentence answers in which
faithful sentences stand beside wrong ones. Each sentence is judged on its own: the faithful
ones are shown as the model's, the wrong ones removed and said so in the notes."""

from __future__ import annotations

import httpx
import pytest

from assistant.service import AnswerService
from tests.conftest import LIVE_API_KEY, serving
from tests.trickling_llm import TricklingLLMServer, openai_backend

pytestmark = pytest.mark.integration

SKILLS = "What are the top skills of an engineering manager?"
MYTH = "Do staff engineers only write code?"
# Faithful to "Top skills: Ability to understand and motivate people and teams, technical
# experience to understand what team is working on ...".
MOTIVATE = "An engineering manager must be able to understand and motivate people and teams."
TECHNICAL = "Managers also need technical experience to understand what their team is working on."
# Issue 26's garbled follow-up, cited to the staff engineer's skills.
GARBLED = "An what skills does that need do is to bring people along to agree on big projects and technical directions."
MYTH_FAITHFUL = "No, a staff-level engineer who only writes code is a myth and almost never exists."
MYTH_REVERSED = "Yes, staff-level engineers only write code."
MYTH_ECHO = "You are asking whether staff engineers only write code."


@pytest.fixture(scope="module")
def scripted():
    with TricklingLLMServer(trickle=False) as server:
        yield server


@pytest.fixture
def service(make_service, scripted) -> AnswerService:
    return make_service(openai_backend(scripted.url, 30), backend="openai:scripted", model_sentences=3)


def number(service: AnswerService, question: str, words: str) -> int:
    """The citation number the model is shown for the passage holding these words."""
    return next(i + 1 for i, p in enumerate(service.guard(question).passages) if words in p.text)


def model_sentences(answer) -> list[str]:
    return [s.text for s in answer.sentences if s.origin == "model"]


def test_a_wrong_sentence_between_two_faithful_ones_is_removed_alone(service, scripted):
    manager = number(service, SKILLS, "Top skills: Ability to understand")
    staff = number(service, SKILLS, "Top skills: deep technical experience")
    scripted.script(f"{MOTIVATE} [{manager}]. {GARBLED} [{staff}]. {TECHNICAL} [{manager}].", when=SKILLS)

    answer = service.ask(SKILLS)

    assert model_sentences(answer) == [MOTIVATE, TECHNICAL]
    assert GARBLED not in answer.answer
    assert any("beside the question" in note for note in answer.notes), answer.notes
    request = scripted.requests[-1]
    assert request["stream"] is True and "at most 3 short sentences" in request["messages"][0]["content"]


def test_a_yes_no_answer_keeps_its_faithful_claim_and_loses_the_reversal_and_the_echo(service, scripted):
    myth = number(service, MYTH, "only writes code")
    scripted.script(f"{MYTH_FAITHFUL} [{myth}] {MYTH_REVERSED} [{myth}] {MYTH_ECHO} [{myth}]", when=MYTH)

    answer = service.ask(MYTH)

    assert model_sentences(answer) == [MYTH_FAITHFUL]
    assert MYTH_REVERSED.removeprefix("Yes, ") not in answer.answer and "asking whether" not in answer.answer
    assert any("contradict the article" in note for note in answer.notes), answer.notes


def test_a_plain_completion_is_answered_whole(scripted):
    """The same server answers a request that does not stream with one chat completion."""
    scripted.script("Staff engineers bring people along to agree on big projects.", when="plain please")
    reply = openai_backend(scripted.url, 30).invoke("plain please")
    assert reply.content == "Staff engineers bring people along to agree on big projects."
    assert not scripted.requests[-1].get("stream")


def test_through_a_real_server(index_settings, tmp_path, scripted, make_service):
    """`assistant serve` with the openai backend at the scripted server and three sentences allowed."""
    manager = number(make_service(), SKILLS, "Top skills: Ability to understand")
    staff = number(make_service(), SKILLS, "Top skills: deep technical experience")
    env = {"ASSISTANT_LLM_BASE_URL": scripted.url, "ASSISTANT_LLM_MODEL": "scripted", "ASSISTANT_LLM_SENTENCES": "3"}
    with serving(index_settings, tmp_path, "openai", **env) as (base, _log):
        scripted.script(f"{MOTIVATE} [{manager}]. {GARBLED} [{staff}]. {TECHNICAL} [{manager}].", when=SKILLS)
        response = httpx.post(
            f"{base}/v1/ask",
            json={"question": SKILLS},
            headers={"Authorization": f"Bearer {LIVE_API_KEY}"},
            timeout=120,
        )
    assert response.status_code == 200, response.text
    body = response.json()
    shown = [s["text"] for s in body["sentences"] if s["origin"] == "model"]
    assert shown == [MOTIVATE, TECHNICAL], body
    assert body["backend"] == f"openai:scripted@{scripted.url}" and GARBLED not in body["answer"]
