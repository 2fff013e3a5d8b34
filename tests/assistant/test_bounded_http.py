"""A trickling LLM server (issue 24): an answer that never comes costs one timeout, and no
thread or connection outlives it, whatever the server sends.

Against a real loopback server that answers `200 text/event-stream` and then one SSE comment a
second for ever, through the real `openai` backend (ChatOpenAI, the OpenAI SDK, httpx2) and
through plain httpx clients. A connection counts as closed when the server saw our side close
it; a worker as ended when joining it succeeds. The waits are bounded only so that a broken
build fails instead of hanging: nothing on the server's side would ever end these calls.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import httpx2
import openai
import pytest
from langchain_core.messages import HumanMessage

from assistant.bounded_http import CallStopped, bounded_calls, call_hooks
from assistant.generation import GenerationFailed, model_sentences
from tests.trickling_llm import (
    SETTLED_S,
    TricklingLLMServer,
    assert_all_ended,
    assert_closed_by_us,
    generation_workers,
    openai_backend,
)

pytestmark = pytest.mark.integration  # a real server, on loopback

TIMEOUT_S = 1.5
# How late after its deadline a call may return: the reader polls in 50 ms slices, the
# watchdog in 50 ms steps; the rest is room for a loaded machine.
RETURN_MARGIN_S = 1.0
MESSAGES = [HumanMessage("Will I lose my engineering chops if I move to product?")]


@pytest.fixture
def trickling() -> Iterator[TricklingLLMServer]:
    with TricklingLLMServer() as server:
        yield server


def test_each_timeout_ends_its_worker_and_closes_its_connection(trickling):
    llm = openai_backend(trickling.url, TIMEOUT_S)
    already_running = generation_workers()
    asks = 3
    for _ in range(asks):
        started = time.monotonic()
        with pytest.raises(GenerationFailed, match=f"did not answer within {TIMEOUT_S:g} s"):
            list(model_sentences(llm, MESSAGES, None, TIMEOUT_S))
        assert time.monotonic() - started < TIMEOUT_S + RETURN_MARGIN_S
    assert_all_ended(generation_workers() - already_running)
    assert_closed_by_us(trickling, asks)
    assert all(c.comments_sent >= 1 for c in trickling.connections)  # the trickle was under way


def test_cancelling_mid_trickle_closes_the_connection_long_before_the_timeout(trickling):
    llm = openai_backend(trickling.url, 300)  # the deadline plays no part here
    cancel = threading.Event()
    already_running = generation_workers()
    outcome: list[BaseException] = []

    def read() -> None:
        try:
            list(model_sentences(llm, MESSAGES, None, 300, cancel))
        except GenerationFailed as error:
            outcome.append(error)

    reader = threading.Thread(target=read, name="test-reader")
    reader.start()
    assert trickling.wait_for_connections(1, SETTLED_S)
    workers = generation_workers() - already_running
    cancel.set()
    reader.join(timeout=SETTLED_S)
    assert not reader.is_alive() and "cancelled" in str(outcome[0])
    assert_all_ended(workers)
    assert_closed_by_us(trickling, 1)


@pytest.mark.parametrize("cut_by", ["cancel", "deadline"])
def test_a_reader_that_stopped_reading_still_gets_its_call_cut(cut_by):
    """The reader took a sentence and holds the generator without reading on, so only the
    call's own watchdog can see the cancel or the deadline (the reader's loop is not running)."""
    with TricklingLLMServer(words=("You will lose some engineering ability [1]. ", "Product ")) as server:
        timeout_s = TIMEOUT_S if cut_by == "deadline" else 300
        cancel = threading.Event()
        already_running = generation_workers()
        sentences = model_sentences(openai_backend(server.url, timeout_s), MESSAGES, None, timeout_s, cancel)
        try:
            assert next(sentences) == ("You will lose some engineering ability.", [1])
            workers = generation_workers() - already_running
            if cut_by == "cancel":
                cancel.set()
            assert_closed_by_us(server, 1)
            assert_all_ended(workers)
        finally:
            sentences.close()


def test_a_server_that_finishes_is_read_to_the_end_on_a_connection_of_its_own():
    words = ("You will lose some engineering ability [1]. ", "Product roles value it [2].")
    with TricklingLLMServer(words=words, trickle=False) as server:
        sentences = list(model_sentences(openai_backend(server.url, TIMEOUT_S), MESSAGES, None, TIMEOUT_S))
        assert sentences == [("You will lose some engineering ability.", [1]), ("Product roles value it.", [2])]
        assert server.connections[0].request_headers["connection"] == "close"


@pytest.mark.parametrize("silent", [False, True], ids=["trickling", "silent"])
@pytest.mark.parametrize(
    "client_class", [httpx.Client, openai.DefaultHttpxClient], ids=["httpx", "httpx2 (the OpenAI SDK's)"]
)
def test_any_httpx_client_with_the_hooks_is_cut_at_the_deadline(client_class, silent):
    """The client's own timeout (60 s) is far away: the deadline alone ends the call."""
    library = httpx if client_class is httpx.Client else httpx2
    with TricklingLLMServer(silent=silent) as server, client_class(event_hooks=call_hooks(), timeout=60) as client:
        started = time.monotonic()
        with bounded_calls(started + TIMEOUT_S), pytest.raises(library.TransportError):
            with client.stream("POST", f"{server.url}/chat/completions", json={}) as response:
                for _ in response.iter_raw():
                    pass
        assert time.monotonic() - started < TIMEOUT_S + RETURN_MARGIN_S
        assert_closed_by_us(server, 1)


def test_a_call_stopped_before_it_starts_never_connects(trickling):
    stop = threading.Event()
    stop.set()
    with httpx.Client(event_hooks=call_hooks()) as client, bounded_calls(time.monotonic() + 60, None, stop):
        with pytest.raises(CallStopped):
            client.post(f"{trickling.url}/chat/completions", json={})
    assert not trickling.connections
