"""Requests to Gradio's event routes that Gradio would fail on, against a real `assistant serve`:
each gets a 4xx in the API's error shape (or, typed into the chat, a friendly message), and
the server's log gets the request line alone."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from tests.conftest import LIVE_API_KEY
from tests.ui.queue_client import ServerLog, ask_in_queue, final_chat, parsed
from ui.render import asked_text

pytestmark = pytest.mark.integration
AUTH = {"Authorization": f"Bearer {LIVE_API_KEY}"}


@pytest.fixture
def server(json_logged_server):
    base, log_path = json_logged_server
    return base, ServerLog(base, log_path, AUTH)


def request_line_alone(lines: list[str], request_id: str, status: int) -> None:
    """What one refused request may log: its request line, nothing else (no stack, no second line)."""
    (line,) = parsed(lines)
    assert (line["level"], line["request_id"], line["status"]) == ("INFO", request_id, status), line


def test_a_stream_for_a_session_the_queue_does_not_know_is_a_404(server):
    """It was a 200 whose stream broke off, and a long ERROR stack in the log each time."""
    base, log = server
    streams = [
        ("/queue/data", {"session_hash": "nope"}),
        ("/queue/data", {"session_hash": ""}),  # empty is a session to FastAPI, not "none at all"
        ("/queue/data", [("session_hash", "s-known-or-not"), ("session_hash", "nope")]),  # FastAPI reads the last
        ("/call/ask/no-such-event", {}),
    ]
    for path, params in streams:
        mark, request_id = log.mark(), f"stream-{uuid.uuid4().hex[:8]}"
        response = httpx.get(
            f"{base}/ui/gradio_api{path}", params=params, headers={**AUTH, "X-Request-ID": request_id}, timeout=30
        )
        assert response.status_code == 404, (path, response.text)
        error = response.json()["error"]
        assert error["type"] == "not_found" and "reload the page" in error["message"]
        request_line_alone(log.since(mark), request_id, 404)


@pytest.mark.parametrize(
    "path, body, status, field",
    [
        ("/queue/join", {"fn_index": 999, "data": ["Hello?", None], "session_hash": "s-unknown-fn"}, 422, "fn_index"),
        ("/queue/join", {"fn_index": 0, "data": ["SECRET-WORDS"], "session_hash": "s-short-data"}, 422, "data"),
        ("/run/predict", {"fn_index": 999, "data": []}, 422, "fn_index"),
        ("/call/no-such-api", {"data": []}, 404, "api_name"),
        ("/call/v2/ask", {}, 422, "question"),  # call/v2 takes the arguments by name
        ("/call/v2/ask", {"question": "SECRET-WORDS", "bogus": 1}, 422, "bogus"),
    ],
)
def test_a_request_naming_an_event_handler_gradio_would_fail_on_is_a_4xx(server, path, body, status, field):
    """fn_index 999 was a 500 with a stack; too few input values, a stack on stderr quoting them."""
    base, log = server
    mark, request_id = log.mark(), f"join-{uuid.uuid4().hex[:8]}"
    response = httpx.post(
        f"{base}/ui/gradio_api{path}", json=body, headers={**AUTH, "X-Request-ID": request_id}, timeout=30
    )
    assert response.status_code == status, response.text
    assert response.json()["error"]["details"][0]["field"] == field
    lines = log.since(mark)
    request_line_alone(lines, request_id, status)
    assert "SECRET-WORDS" not in "\n".join(lines)


def test_a_lone_surrogate_typed_into_the_chat_is_a_friendly_message(server):
    """A browser can send one (JSON "\\ud800"); it cut the chat's stream with a TypeError."""
    base, log = server
    mark, session = log.mark(), "surrogate-1"
    raw = json.dumps(
        {"data": ["@@ Should I become a manager?", None], "fn_index": 0, "trigger_id": None, "session_hash": session}
    ).replace("@@", "\\ud800").encode()
    joined, messages = ask_in_queue(base, AUTH, 0, None, session=session, raw=raw)
    assert joined.status_code == 200
    chat = final_chat(messages)
    assert chat is not None, messages  # the event ended as the chat's own update, not an unexpected_error
    question, answer = chat[-2:]
    assert asked_text(question["content"]) == "\ufffd Should I become a manager?"
    assert "not valid Unicode" in asked_text(answer["content"]) and 'data-error="true"' in asked_text(answer["content"])
    lines = parsed(log.since(mark))
    assert [line["level"] for line in lines] == ["INFO", "INFO"]  # the join and the stream, nothing else
