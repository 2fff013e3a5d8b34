"""/v1/ask, /v1/ask/stream and /v1/sources in-process, with every error a client can cause."""

from __future__ import annotations

import json
import logging
import threading

import pytest

from assistant.gate import GenerationGate
from assistant.service import AnswerService
from tests.fakes import scripted

pytestmark = pytest.mark.integration
QUESTION = "Will I lose my engineering chops if I move to product?"
CLI_FIELDS = {"answer", "citations", "abstained", "grounded", "backend", "timings_ms"}


def parse_sse(text: str) -> list[tuple[str, dict]]:
    events = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        events.append((fields.get("event", ""), json.loads(fields["data"])))
    return events


def assert_error(response, status: int, type_: str, words: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["type"] == type_
    assert words in body["error"]["message"], body["error"]["message"]


def test_ask_returns_the_answer_object(client):
    response = client.post("/v1/ask", json={"question": QUESTION, "top_k": 3})
    assert response.status_code == 200
    body = response.json()
    assert CLI_FIELDS <= set(body)
    assert not body["abstained"] and body["citations"]
    assert response.headers["x-request-id"]


class _Recording(AnswerService):
    """Remembers what the HTTP layer handed the service."""

    seen: list

    def stream(self, question, history=(), top_k=None, cancel=None, answer_id=None):
        self.seen.append((question, [(t.role, t.content) for t in history], top_k))
        yield from super().stream(question, history, top_k, cancel, answer_id)


HISTORY = [
    {"role": "user", "content": "What are the top skills of a staff engineer?"},
    {"role": "assistant", "content": "Deep technical experience [1]."},
]


def test_history_and_top_k_reach_the_service_and_the_follow_up_is_made_standalone(make_client, retriever):
    service = _Recording(retriever, None, backend="extractive")
    service.seen = []
    client = make_client(service=service)
    body = client.post("/v1/ask", json={"question": "What about managers?", "history": HISTORY, "top_k": 2}).json()
    assert service.seen == [("What about managers?", [(t["role"], t["content"]) for t in HISTORY], 2)]
    # The rewrite itself is tested with the real model in tests/assistant/test_rewrite.py.
    assert body["standalone_question"] != "What about managers?" and "managers" in body["standalone_question"]


def test_stream_sends_tokens_then_citations_then_done(client):
    response = client.post("/v1/ask/stream", json={"question": QUESTION})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(response.text)
    names = [name for name, _ in events]
    assert names[-2:] == ["citations", "done"] and set(names[:-2]) == {"token"}
    done = events[-1][1]
    assert "".join(data["text"] for name, data in events if name == "token") == done["answer"]
    assert events[-2][1]["citations"] == done["citations"]


class _BreaksMidStream(AnswerService):
    def stream(self, question, history=(), top_k=None, cancel=None):
        events = super().stream(question, history, top_k, cancel)
        yield next(events)
        raise RuntimeError("disk on fire")


def test_a_failure_mid_stream_is_an_error_event_not_a_dropped_connection(make_client, retriever):
    client = make_client(service=_BreaksMidStream(retriever, None, backend="extractive"))
    events = parse_sse(client.post("/v1/ask/stream", json={"question": QUESTION}).text)
    assert [name for name, _ in events] == ["token", "error"]
    assert "RuntimeError" in events[-1][1]["error"]["message"]


def test_sources_lists_the_article(client):
    body = client.get("/v1/sources").json()
    (article,) = body["sources"]
    assert article["title"] == "Career paths beyond senior software engineer"
    assert article["author"] == "Emma Tang"
    assert article["chunks"] == 11
    assert "Q & A > Myths about staff-level engineers" in article["sections"]


@pytest.mark.parametrize(
    "payload,status,type_,words",
    [
        ({"question": ""}, 400, "invalid_request", "question: the question is empty: ask something"),
        ({"question": "   \n "}, 400, "invalid_request", "question: the question is empty: ask something"),
        ({"question": "x" * 2001}, 422, "invalid_request", "at most 2000 characters"),
        ({"question": QUESTION, "history": [{"role": "user", "content": "hi"}] * 21}, 422, "invalid_request", "history"),
        ({"question": 42}, 422, "invalid_request", "question"),
        ({"question": QUESTION, "top_k": "many"}, 422, "invalid_request", "top_k"),
        ({"question": QUESTION, "history": [{"role": "boss", "content": "x"}]}, 422, "invalid_request", "role"),
        ({"question": QUESTION, "surprise": 1}, 422, "invalid_request", "surprise"),
        ({}, 422, "invalid_request", "question"),
    ],
)
def test_bad_bodies_get_a_4xx_with_a_message(client, payload, status, type_, words):
    for path in ("/v1/ask", "/v1/ask/stream"):
        assert_error(client.post(path, json=payload), status, type_, words)


def test_malformed_json_wrong_content_type_and_oversized_bodies(client):
    headers = {"content-type": "application/json"}
    assert_error(client.post("/v1/ask", content=b'{"question": ', headers=headers), 400, "invalid_request", "not valid JSON")
    assert_error(
        client.post("/v1/ask", content=b"question=hi", headers={"content-type": "application/x-www-form-urlencoded"}),
        415,
        "unsupported_media_type",
        "application/json",
    )
    huge = json.dumps({"question": "x" * 200_000}).encode()
    assert_error(client.post("/v1/ask", content=huge, headers=headers), 413, "body_too_large", "too large")

    def undeclared_length():  # chunked: no Content-Length to check up front
        yield b'{"question": "'
        yield b"x" * 100_000
        yield b'"}'

    assert_error(client.post("/v1/ask", content=undeclared_length(), headers=headers), 413, "body_too_large", "too large")


def test_unknown_paths_and_methods_keep_the_error_shape(client):
    assert_error(client.get("/v1/nothing"), 404, "not_found", "Not Found")
    assert_error(client.get("/v1/ask"), 405, "method_not_allowed", "Method Not Allowed")


def test_api_key_guards_v1_but_not_health(make_client, caplog):
    caplog.set_level(logging.INFO, logger="assistant")
    client = make_client(api_key="s3cret-key-123")
    assert_error(client.post("/v1/ask", json={"question": QUESTION}), 401, "unauthorized", "Bearer")
    wrong = {"Authorization": "Bearer nope"}
    assert_error(client.get("/v1/sources", headers=wrong), 401, "unauthorized", "API key")
    good = {"Authorization": "Bearer s3cret-key-123"}
    assert client.post("/v1/ask", json={"question": QUESTION}, headers=good).status_code == 200
    assert client.get("/healthz").status_code == 200
    assert "request_id=" in caplog.text and "/v1/ask" in caplog.text
    assert "s3cret-key-123" not in caplog.text


def test_cors_is_off_unless_origins_are_configured(make_client):
    preflight = {"Origin": "http://example.test", "Access-Control-Request-Method": "POST"}
    closed = make_client().options("/v1/ask", headers=preflight)
    assert "access-control-allow-origin" not in closed.headers
    opened = make_client(cors_origins=["http://example.test"]).options("/v1/ask", headers=preflight)
    assert opened.headers["access-control-allow-origin"] == "http://example.test"


def _held_model(make_client, retriever, gate: GenerationGate):
    """A client whose model, once a first request reaches it, stays busy until the test releases it."""
    llm = scripted("You will probably lose your brand as an engineer [1].", gated=True)
    client = make_client(service=AnswerService(retriever, llm, backend="fake", llm_timeout_s=120, gate=gate))
    first = threading.Thread(target=client.post, args=("/v1/ask",), kwargs={"json": {"question": QUESTION}})
    first.start()
    assert llm.started.wait(60), "the first request never reached the model"
    return client, llm, first


def test_a_full_queue_answers_503_with_retry_after_while_the_model_is_busy(make_client, retriever):
    client, llm, first = _held_model(make_client, retriever, GenerationGate(max_waiting=0, retry_after_s=7))
    try:
        response = client.post("/v1/ask", json={"question": QUESTION})
        assert_error(response, 503, "busy", "busy")
        assert response.headers["retry-after"] == "7"
        assert_error(client.post("/v1/ask/stream", json={"question": QUESTION}), 503, "busy", "busy")
        # While the model is busy, questions that need no model and health checks still answer.
        assert client.post("/v1/ask", json={"question": "How do I make banana bread?"}).json()["abstained"]
        assert client.get("/healthz").status_code == 200
        assert client.get("/v1/sources").status_code == 200
        assert first.is_alive() and not llm.release.is_set()  # all of the above while the model was held
    finally:
        llm.release.set()
        first.join()
    assert client.post("/v1/ask", json={"question": QUESTION}).status_code == 200  # the line is free again


def test_waiting_past_the_queue_timeout_is_a_504(make_client, retriever):
    client, llm, first = _held_model(make_client, retriever, GenerationGate(max_waiting=2, wait_timeout_s=0.3))
    try:
        assert_error(client.post("/v1/ask", json={"question": QUESTION}), 504, "timeout", "waited 0.3 s")
    finally:
        llm.release.set()
        first.join()


def test_readyz_says_why_when_there_is_no_index(tmp_path):
    from fastapi.testclient import TestClient

    from assistant.server import create_app
    from assistant.settings import Settings

    settings = Settings(_env_file=None, data_dir=tmp_path / "empty", corpus_dir=tmp_path, llm_backend="extractive")
    app = create_app(settings)
    with TestClient(app) as client:
        app.state.assistant.wait(60)
        assert_error(client.get("/readyz"), 503, "not_ready", "run `assistant ingest`")
        assert_error(client.post("/v1/ask", json={"question": QUESTION}), 503, "unavailable", "run `assistant ingest`")
        assert client.get("/healthz").json() == {"status": "ok"}
