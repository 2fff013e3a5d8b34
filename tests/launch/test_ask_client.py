"""launch.ask_client on its own: which servers it takes for ours, and how it reads their
answers and refusals. The HTTP exchanges are httpx's own MockTransport (a real transport
that answers in-process); the CLI against a real server is in test_cli_ask_server.py."""

from __future__ import annotations

import json

import httpx
import pytest

from assistant.errors import AssistantError, CapacityError, QuestionError
from assistant.settings import Settings
from launch.ask_client import find_server, server_url, stream_from_server

URL = "http://127.0.0.1:8000"
READY = {"status": "ready", "backend": "extractive", "chunks": 11, "problem": "", "in_line": 0, "index_version": "ab"}


def answering(status: int, body) -> httpx.MockTransport:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.MockTransport(lambda request: httpx.Response(status, content=content))


@pytest.mark.parametrize(
    "env,expected",
    [
        ({}, "http://127.0.0.1:8000"),
        ({"port": 8123}, "http://127.0.0.1:8123"),
        ({"host": "0.0.0.0", "port": 9000}, "http://127.0.0.1:9000"),  # a wildcard bind is reached on loopback
        ({"host": "::1"}, "http://[::1]:8000"),
        ({"server_url": "http://10.0.0.5:8000/"}, "http://10.0.0.5:8000"),
        ({"server_url": "off"}, None),
        ({"server_url": "OFF"}, None),
    ],
)
def test_the_server_url_follows_the_settings(env, expected, monkeypatch):
    monkeypatch.delenv("ASSISTANT_SERVER_URL")  # the tests' "off" (tests/conftest.py): the default here
    assert server_url(Settings(_env_file=None, **env)) == expected


def test_a_ready_server_is_ours_with_its_backend():
    found = find_server(URL, answering(200, READY))
    assert found is not None and found.ready and found.detail == "extractive"
    assert find_server(URL, answering(200, READY | {"status": "degraded", "problem": "LLM down"})).ready


def test_a_server_that_is_loading_is_ours_but_not_ready():
    body = {"error": {"type": "not_ready", "message": "no index: run `assistant ingest`", "details": []}}
    found = find_server(URL, answering(503, body))
    assert found is not None and not found.ready and "no index" in found.detail


@pytest.mark.parametrize(
    "status,body",
    [
        (200, {"status": "ok"}),  # another program's health check
        (200, b"<html>hello</html>"),
        (200, ["ready"]),
        (404, {"detail": "Not Found"}),
        (503, {"error": "down"}),
        (500, b"oops"),
    ],
)
def test_anything_else_is_not_ours(status, body):
    assert find_server(URL, answering(status, body)) is None


def test_nothing_listening_is_no_server():
    def refuse(request):
        raise httpx.ConnectError("connection refused", request=request)

    assert find_server(URL, httpx.MockTransport(refuse)) is None


def sse(name: str, payload) -> str:
    return f"event: {name}\r\ndata: {json.dumps(payload)}\r\n\r\n"


def test_a_streamed_answer_comes_back_as_the_services_events():
    answer = {
        "question": "Q?", "standalone_question": "Q?", "answer": "Yes [1].", "sentences": [], "citations": [],
        "abstained": False, "grounded": True, "backend": "extractive", "notes": [],
        "timings_ms": {"retrieval": 1.0, "generation": 0.0, "total": 1.0},
    }
    seen: list[httpx.Request] = []

    def server(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = sse("token", {"text": "Yes"}) + sse("token", {"text": " [1]."}) + sse("citations", {"citations": []})
        return httpx.Response(200, content=(body + sse("done", answer)).encode(), headers={"content-type": "text/event-stream"})

    events = list(stream_from_server(URL, "Q?", 3, "key-1", httpx.MockTransport(server)))
    assert [e.event for e in events] == ["token", "token", "citations", "done"]
    assert "".join(e.text for e in events) == "Yes [1]." and events[-1].answer.answer == "Yes [1]."
    (request,) = seen
    assert request.url.path == "/v1/ask/stream" and request.headers["authorization"] == "Bearer key-1"
    assert json.loads(request.content) == {"question": "Q?", "top_k": 3}


def test_no_key_sends_no_authorization_header():
    seen: list[httpx.Request] = []

    def server(request):
        seen.append(request)
        return httpx.Response(400, json={"error": {"type": "invalid_request", "message": "question: empty"}})

    with pytest.raises(QuestionError):
        list(stream_from_server(URL, "Q?", None, "", httpx.MockTransport(server)))
    assert "authorization" not in seen[0].headers and json.loads(seen[0].content) == {"question": "Q?"}


@pytest.mark.parametrize(
    "status,kind,words",
    [
        (422, QuestionError, "the sentence"),
        (401, AssistantError, "refused the API key"),
        (503, CapacityError, "the sentence"),
        (504, CapacityError, "the sentence"),
        (500, AssistantError, "failed: the sentence"),
    ],
)
def test_a_refusal_is_the_assistants_own_error_with_the_servers_sentence(status, kind, words):
    body = {"error": {"type": "x", "message": "the sentence"}}
    with pytest.raises(kind) as error:
        list(stream_from_server(URL, "Q?", None, "", answering(status, body)))
    assert words in str(error.value)


def test_an_error_mid_stream_or_a_cut_stream_is_an_error():
    failed = (sse("token", {"text": "Yes"}) + sse("error", {"error": {"type": "internal", "message": "boom"}})).encode()
    with pytest.raises(AssistantError, match="boom"):
        list(stream_from_server(URL, "Q?", None, "", answering(200, failed)))
    with pytest.raises(AssistantError, match="before it was done"):
        list(stream_from_server(URL, "Q?", None, "", answering(200, sse("token", {"text": "Yes"}).encode())))
