"""The server's logs: one JSON object per line with ASSISTANT_LOG_FORMAT=json (a real
`assistant serve`), and the question logged only when the operator asks for it, escaped."""

from __future__ import annotations

import json
import logging
import threading

import httpx
import pytest

from assistant.server.logs import JsonFormatter, RequestIdFilter
from assistant.service import AnswerService
from tests.conftest import LIVE_API_KEY, serving

pytestmark = pytest.mark.integration
QUESTION = "Will I lose my engineering chops if I move to product?"
AUTH = {"Authorization": f"Bearer {LIVE_API_KEY}"}
HOSTILE = "Will I lose my chops?\n2026-01-01 INFO assistant.server: forged line \x1b[31m\\\" role='admin"


def request_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "assistant.server" and hasattr(r, "route")]


def test_questions_are_not_logged_by_default(make_client, caplog):
    caplog.set_level(logging.INFO, logger="assistant")
    client = make_client()
    client.post("/v1/ask", json={"question": HOSTILE})
    (record,) = request_lines(caplog)
    assert not hasattr(record, "question")
    assert "chops" not in caplog.text


def test_a_logged_question_is_one_escaped_field_or_repr_in_text(make_client, caplog):
    caplog.set_level(logging.INFO, logger="assistant")
    client = make_client(log_questions=True)
    response = client.post("/v1/ask", json={"question": HOSTILE}, headers={"X-Request-ID": "req-1"})
    assert response.status_code == 200
    read = response.json()["question"]  # as the assistant read it: controls dropped, spaces collapsed
    assert "forged line" in read and "\\" in read and "'" in read
    (record,) = request_lines(caplog)
    # Text: repr-escaped (quotes, backslashes), so it cannot pass for other fields or lines.
    text = record.getMessage()
    assert "\n" not in text and "\x1b" not in text and text.endswith(f" question={read!r}")
    # JSON: a field of its own, escaped by construction.
    line = JsonFormatter().format(record)
    assert "\n" not in line and "\x1b" not in line
    fields = json.loads(line)
    assert fields["question"] == read
    assert (fields["request_id"], fields["route"], fields["status"]) == ("req-1", "/v1/ask", 200)


class _Talkative(AnswerService):
    """Logs from inside the answer path, which runs in a worker thread."""

    def stream(self, question, history=(), top_k=None, cancel=None):
        logging.getLogger("assistant.service").info("answering in %s", threading.current_thread().name)
        yield from super().stream(question, history, top_k, cancel)


def test_records_written_in_the_answers_worker_thread_carry_the_request_id(make_client, retriever, caplog):
    caplog.set_level(logging.INFO, logger="assistant")
    caplog.handler.addFilter(RequestIdFilter())
    client = make_client(service=_Talkative(retriever, None, backend="extractive"))
    client.post("/v1/ask", json={"question": QUESTION}, headers={"X-Request-ID": "req-2"})
    (record,) = [r for r in caplog.records if r.name == "assistant.service"]
    assert record.threadName != threading.main_thread().name
    assert record.request_id == "req-2"


def json_lines(log_path) -> list[dict]:
    lines = log_path.read_text().splitlines()
    assert lines
    parsed = []
    for line in lines:
        try:
            parsed.append(json.loads(line))
        except json.JSONDecodeError:
            pytest.fail(f"not a JSON line: {line!r}")
    for fields in parsed:
        assert {"time", "level", "logger", "message"} <= set(fields), fields
    return parsed


@pytest.mark.parametrize("log_questions", [False, True])
def test_serve_writes_one_json_object_per_line(index_settings, tmp_path, log_questions):
    env = {"ASSISTANT_LOG_FORMAT": "json", "ASSISTANT_LOG_QUESTIONS": str(log_questions).lower()}
    with serving(index_settings, tmp_path, "extractive", **env) as (base, log_path):
        response = httpx.post(
            f"{base}/v1/ask", json={"question": QUESTION}, headers={**AUTH, "X-Request-ID": "json-1"}, timeout=120
        )
        assert response.status_code == 200
        httpx.get(f"{base}/v1/nothing/%0Aforged", headers=AUTH, timeout=30)
    lines = json_lines(log_path)
    (asked,) = [f for f in lines if f.get("request_id") == "json-1" and "route" in f]
    assert asked["route"] == "/v1/ask" and asked["status"] == 200 and asked["method"] == "POST"
    assert asked["level"] == "INFO" and isinstance(asked["ms"], float)
    (missing,) = [f for f in lines if f.get("route") == "unmatched"]
    assert missing["status"] == 404 and "\n" not in missing["path"]
    assert any(f["logger"].startswith("uvicorn") for f in lines)  # uvicorn's own records are JSON too
    if log_questions:
        assert asked["question"] == QUESTION
    else:
        assert "question" not in asked
        assert "engineering chops" not in log_path.read_text()
