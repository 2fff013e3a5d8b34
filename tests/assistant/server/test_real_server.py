"""`assistant serve` for real: uvicorn on a free loopback port, the embedded LLM, httpx and
the official openai client, streaming included."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from assistant.cli import exposure_warning
from tests.conftest import CORPUS

pytestmark = pytest.mark.integration
QUESTION = "Will I lose my engineering chops if I move to product?"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(index_settings, tmp_path_factory):
    port = free_port()
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    env = {
        **os.environ,
        "ASSISTANT_DATA_DIR": str(index_settings.data_dir),
        "ASSISTANT_CORPUS_DIR": str(CORPUS),
        "ASSISTANT_API_KEY": "test-key-42",
        "ASSISTANT_LLM_BACKEND": "embedded",
    }
    log = log_path.open("w")
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("assistant")), "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=index_settings.data_dir.parent,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        saw_alive_before_ready = False
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
                saw_alive_before_ready |= httpx.get(f"{base}/healthz", timeout=2).status_code == 200
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"assistant serve did not get ready; log: {log_path}\n{log_path.read_text()[-2000:]}")
            time.sleep(0.3)
        yield base, log_path
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


AUTH = {"Authorization": "Bearer test-key-42"}


def test_ask_over_http(server):
    base, _ = server
    response = httpx.post(f"{base}/v1/ask", json={"question": QUESTION}, headers=AUTH, timeout=120)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["backend"].startswith("embedded:") and body["citations"]
    assert "losing your engineering ability" in body["answer"]
    assert httpx.post(f"{base}/v1/ask", json={"question": QUESTION}, timeout=30).status_code == 401


def test_stream_over_http_and_health_stays_responsive(server):
    base, _ = server
    names = []
    with httpx.stream("POST", f"{base}/v1/ask/stream", json={"question": QUESTION}, headers=AUTH, timeout=120) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if line.startswith("event: "):
                names.append(line.removeprefix("event: "))
                if names == ["token"]:  # the LLM is at work now: health must still answer
                    assert httpx.get(f"{base}/healthz", timeout=10).json() == {"status": "ok"}
            elif line.startswith("data: ") and names[-1] == "done":
                done = json.loads(line.removeprefix("data: "))
    assert names[0] == "token" and names[-2:] == ["citations", "done"]
    assert done["citations"]


def test_openai_client_talks_to_it(server):
    from openai import OpenAI

    base, _ = server
    client = OpenAI(base_url=f"{base}/v1", api_key="test-key-42", timeout=120, max_retries=0)
    assert [m.id for m in client.models.list()] == ["career-assistant"]
    completion = client.chat.completions.create(model="career-assistant", messages=[{"role": "user", "content": QUESTION}])
    content = completion.choices[0].message.content
    assert "[1]" in content
    assert completion.model_extra["citations"][0]["id"] == 1

    pieces, last = [], None
    for chunk in client.chat.completions.create(
        model="career-assistant", messages=[{"role": "user", "content": "Do staff engineers only write code?"}], stream=True
    ):
        pieces.append(chunk.choices[0].delta.content or "")
        last = chunk
    assert "myth" in "".join(pieces)
    assert last.choices[0].finish_reason == "stop" and last.model_extra["citations"]


def test_the_server_log_has_request_ids_and_never_the_key(server):
    _, log_path = server
    text = log_path.read_text()
    assert "request_id=" in text and "POST /v1/ask" in text
    assert "test-key-42" not in text


def test_exposure_warning():
    assert exposure_warning("127.0.0.1", False) == ""
    assert exposure_warning("localhost", False) == ""
    assert exposure_warning("0.0.0.0", True) == ""
    assert "WITHOUT an API key" in exposure_warning("0.0.0.0", False)
