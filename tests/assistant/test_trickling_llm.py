"""The answer service against a trickling LLM server (issue 24): every ask is answered from
quotes after one timeout, or at once when cancelled, and leaves no worker thread and no open
connection behind; the real `openai` backend over loopback, the fake-embeddings index."""

from __future__ import annotations

import threading

import pytest

from assistant.service import AnswerEvent
from tests.trickling_llm import (
    SETTLED_S,
    TricklingLLMServer,
    assert_all_ended,
    assert_closed_by_us,
    generation_workers,
    openai_backend,
)

pytestmark = pytest.mark.integration  # a real server, on loopback, and a real Chroma store

QUESTION = "Will I lose my engineering chops if I move to product?"
TIMEOUT_S = 1.5
ASKS = 3


def test_asks_that_time_out_leave_no_worker_or_connection_behind(make_fake_service):
    with TricklingLLMServer() as server:
        service = make_fake_service(openai_backend(server.url, TIMEOUT_S), llm_timeout_s=TIMEOUT_S)
        already_running = generation_workers()
        for _ in range(ASKS):
            answer = service.ask(QUESTION)
            assert answer.sentences and all(s.origin == "quote" for s in answer.sentences)
            assert any(f"did not answer within {TIMEOUT_S:g} s" in note for note in answer.notes), answer.notes
        # What /readyz reports: the timeout, not the read error our own cut caused.
        assert service.llm_problem == f"The LLM did not answer within {TIMEOUT_S:g} s."
        assert service.gate.admitted == 0
        assert_all_ended(generation_workers() - already_running)
        assert_closed_by_us(server, ASKS)


def test_a_streamed_answer_cancelled_mid_trickle_closes_the_connection(make_fake_service):
    """As the server does when the client goes away: cancel set while the model's turn waits."""
    with TricklingLLMServer() as server:
        service = make_fake_service(openai_backend(server.url, 300), llm_timeout_s=300)
        cancel = threading.Event()
        already_running = generation_workers()
        events = service.stream(QUESTION, cancel=cancel)
        assert next(events).event == "token"  # the lead quote; the model's turn comes next
        rest: list[AnswerEvent] = []
        reader = threading.Thread(target=lambda: rest.extend(events), name="test-reader")
        reader.start()
        assert server.wait_for_connections(1, SETTLED_S)
        workers = generation_workers() - already_running
        cancel.set()
        reader.join(timeout=SETTLED_S)
        assert not reader.is_alive()
        answer = rest[-1].answer
        assert answer is not None and any("cancelled" in note for note in answer.notes), answer
        assert service.llm_problem == ""  # a caller that went away is no fault of the LLM's
        assert_all_ended(workers)
        assert_closed_by_us(server, 1)
