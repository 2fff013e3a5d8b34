"""/healthz and /readyz in-process: alive at once, ready when loaded, degraded when the LLM fails."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient

from assistant.server import create_app
from assistant.settings import Settings
from tests.fakes import scripted

pytestmark = pytest.mark.integration
QUESTION = "Will I lose my engineering chops if I move to product?"


def test_healthz_answers_while_the_assistant_loads_and_readyz_turns_ready_after(index_settings, make_service):
    loading, finish = threading.Event(), threading.Event()
    service = make_service()

    def slow_factory(_settings):
        loading.set()
        assert finish.wait(60), "the test never let the load finish"
        return service

    app = create_app(Settings(_env_file=None, data_dir=index_settings.data_dir), service_factory=slow_factory)
    with TestClient(app) as client:
        assert loading.wait(60)
        assert client.get("/healthz").json() == {"status": "ok"}
        starting = client.get("/readyz")
        assert starting.status_code == 503 and "starting" in starting.json()["error"]["message"]
        finish.set()
        app.state.assistant.wait(60)
        ready = client.get("/readyz").json()
        version = ready.pop("index_version")
        assert ready == {"status": "ready", "backend": "extractive", "chunks": 11, "problem": "", "in_line": 0}
        assert len(version) == 16 and version == service.index_version  # the ingest's fingerprint


def test_readyz_says_degraded_while_the_llm_fails_and_ready_once_it_answers(make_client, make_service):
    llm = scripted("You will probably lose your brand as an engineer [1].", error="connection refused")
    client = make_client(service=make_service(llm))
    assert client.post("/v1/ask", json={"question": QUESTION}).status_code == 200  # quotes still serve
    degraded = client.get("/readyz")
    assert degraded.status_code == 200
    assert degraded.json()["status"] == "degraded" and "connection refused" in degraded.json()["problem"]
    llm.error = ""
    assert client.post("/v1/ask", json={"question": QUESTION}).status_code == 200
    assert client.get("/readyz").json()["status"] == "ready"
