"""Faults a running service meets, against the real `assistant serve`: a hung LLM server, clients
that give up, a Chroma server that goes away and comes back, a data folder that cannot be written."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import LIVE_API_KEY, article_corpus, serving
from tests.processes import chroma_argv, chroma_heartbeat, free_port, started, wait_for

pytestmark = pytest.mark.integration
AUTH = {"Authorization": f"Bearer {LIVE_API_KEY}"}
QUESTION = "Will I lose my engineering chops if I move to product?"


class HungLLMServer:
    """An OpenAI-compatible address that accepts connections and never answers, counting them."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/v1"
        self.connections = 0
        self._open: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            self._open.append(connection)  # held open, never answered

    def close(self) -> None:
        self.listener.close()
        for connection in self._open:
            connection.close()


@pytest.fixture
def hung_llm() -> Iterator[HungLLMServer]:
    server = HungLLMServer()
    yield server
    server.close()


def in_line(base: str) -> int:
    return httpx.get(f"{base}/readyz", timeout=10).json().get("in_line", -1)


def open_request(base: str, path: str, payload: dict) -> socket.socket:
    """Send a request on a raw socket and leave it open: the client that will give up."""
    body = json.dumps(payload).encode()
    sock = socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1])))
    sock.sendall(
        f"POST {path} HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {LIVE_API_KEY}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    return sock


def test_a_hung_llm_costs_one_timeout_per_request_and_readyz_says_degraded(index_settings, tmp_path, hung_llm):
    with serving(
        index_settings, tmp_path, "openai", ASSISTANT_LLM_BASE_URL=hung_llm.url, ASSISTANT_LLM_TIMEOUT_S="2"
    ) as (base, _log):
        assert httpx.get(f"{base}/readyz", timeout=10).json()["status"] == "ready"
        with httpx.Client(headers=AUTH, timeout=120) as client:
            answers = [client.post(f"{base}/v1/ask", json={"question": QUESTION}) for _ in range(3)]
        for response in answers:
            assert response.status_code == 200, response.text
            body = response.json()
            assert any("did not answer within 2 s" in note for note in body["notes"]), body["notes"]
            assert body["citations"] and all(s["origin"] == "quote" for s in body["sentences"])
        assert hung_llm.connections == 3  # one attempt each: no retry doubles the wait
        ready = httpx.get(f"{base}/readyz", timeout=10)
        assert ready.status_code == 200
        assert ready.json()["status"] == "degraded" and "did not answer" in ready.json()["problem"]


@pytest.mark.parametrize("path", ["/v1/ask", "/v1/ask/stream", "/v1/chat/completions"])
def test_clients_that_give_up_free_the_model_at_once(index_settings, tmp_path, hung_llm, path):
    """With an LLM that never answers and a 10-minute timeout, only cancellation can empty the line."""
    payload = (
        {"messages": [{"role": "user", "content": QUESTION}], "stream": True}
        if path.endswith("completions")
        else {"question": QUESTION}
    )
    with serving(
        index_settings,
        tmp_path,
        "openai",
        ASSISTANT_LLM_BASE_URL=hung_llm.url,
        ASSISTANT_LLM_TIMEOUT_S="600",
        ASSISTANT_QUEUE_SIZE="8",
    ) as (base, _log):
        sockets = [open_request(base, path, payload) for _ in range(9)]
        wait_for(lambda: in_line(base) == 9, "nine requests in line for the model")
        refused = httpx.post(f"{base}/v1/ask", json={"question": QUESTION}, headers=AUTH, timeout=30)
        assert refused.status_code == 503 and refused.headers["retry-after"]  # the line is full
        if path.endswith("stream") or path.endswith("completions"):
            for sock in sockets:  # streams: the lead quote arrived before the model's turn
                assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        for sock in sockets:
            sock.close()
        wait_for(lambda: in_line(base) == 0, "the abandoned requests to leave the line", limit_s=120)
        again = open_request(base, path, payload)
        wait_for(lambda: in_line(base) == 1, "a new request to be admitted")
        again.close()


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=30)


def test_a_chroma_server_that_goes_away_leaves_answers_serving_and_readyz_degraded_till_it_is_back(tmp_path, embeddings):
    from assistant.composition import build_ingestor, build_store
    from assistant.settings import Settings

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    store_path = tmp_path / "chroma-data"
    log = tmp_path / "chroma.log"
    with started(chroma_argv(store_path, port), chroma_heartbeat(port), log) as chroma:
        settings = Settings(
            _env_file=None, data_dir=tmp_path / "data", corpus_dir=article_corpus(tmp_path / "corpus"), chroma_url=url
        )
        assert not build_ingestor(settings, build_store(settings, embeddings)).run().failed
        with serving(settings, tmp_path, "extractive", ASSISTANT_CHROMA_URL=url) as (base, _log):
            with httpx.Client(base_url=base, headers=AUTH, timeout=60) as client:
                assert client.post("/v1/ask", json={"question": QUESTION}).status_code == 200

                stop(chroma)
                # The replica answers on from the index snapshot it holds; /readyz says what is wrong.
                chat = {"messages": [{"role": "user", "content": QUESTION}]}
                for path, payload in [
                    ("/v1/ask", {"question": QUESTION}),
                    ("/v1/ask/stream", {"question": QUESTION}),
                    ("/v1/chat/completions", chat),
                    ("/v1/chat/completions", {**chat, "stream": True}),
                ]:
                    response = client.post(path, json=payload)
                    assert response.status_code == 200, (path, response.text)
                    assert "engineering" in response.text, path
                ready = client.get("/readyz")
                assert ready.status_code == 200 and ready.json()["status"] == "degraded"
                assert f"the vector store at {url} is unreachable" in ready.json()["problem"]
                assert "answering from the index loaded before" in ready.json()["problem"]

                # the same server back on its port
                with started(chroma_argv(store_path, port), chroma_heartbeat(port), log):
                    assert client.get("/readyz").json()["status"] == "ready"
                    answer = client.post("/v1/ask", json={"question": QUESTION})
                    assert answer.status_code == 200 and answer.json()["citations"]


def _immutable(path: Path, on: bool) -> None:
    subprocess.run(["chattr", "-R", "+i" if on else "-i", str(path)], check=True, capture_output=True)


@pytest.fixture
def read_only_index(tmp_path, embeddings) -> Iterator[Path]:
    """A data folder with an index of the article, made immutable (root ignores chmod)."""
    from assistant.composition import build_ingestor, build_store
    from assistant.settings import Settings

    if shutil.which("chattr") is None:
        pytest.skip("chattr (e2fsprogs) is needed to make a folder read-only for root")
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", corpus_dir=article_corpus(tmp_path / "corpus"))
    assert not build_ingestor(settings, build_store(settings, embeddings)).run().failed
    try:
        _immutable(settings.data_dir, True)
    except subprocess.CalledProcessError as error:
        pytest.skip(f"this file system does not support immutable files: {error.stderr!r}")
    try:
        yield settings.data_dir
    finally:
        _immutable(settings.data_dir, False)


def test_a_read_only_data_folder_is_one_clear_line_for_each_command(read_only_index, tmp_path):
    env = {
        **__import__("os").environ,
        "ASSISTANT_DATA_DIR": str(read_only_index),
        "ASSISTANT_CORPUS_DIR": str(tmp_path / "corpus"),
        "ASSISTANT_LLM_BACKEND": "extractive",
    }
    article = tmp_path / "corpus" / "career-paths-beyond-senior-software-engineer.txt"
    article.write_text(
        article.read_text(encoding="utf-8").replace("ask for a raise!", "ask for a raise."), encoding="utf-8"
    )
    for command in (["ingest"], ["ask", QUESTION]):
        result = subprocess.run(
            [sys.executable, "-m", "launch", *command], env=env, capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 1, result
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) <= 3 and "Traceback" not in result.stderr, result.stderr  # one message, wrapped
        message = " ".join(lines)
        assert str(read_only_index / "chroma") in message.replace("\n", "") and "read-only" in message
        assert "no index" not in message


def test_a_running_server_keeps_serving_its_index_when_the_folder_turns_read_only(index_settings, tmp_path, embeddings):
    from assistant.composition import build_ingestor, build_store
    from assistant.settings import Settings

    if shutil.which("chattr") is None:
        pytest.skip("chattr (e2fsprogs) is needed to make a folder read-only for root")
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", corpus_dir=article_corpus(tmp_path / "corpus"))
    build_ingestor(settings, build_store(settings, embeddings)).run()
    with serving(settings, tmp_path, "extractive") as (base, _log):
        _immutable(settings.data_dir, True)
        try:
            response = httpx.post(f"{base}/v1/ask", json={"question": QUESTION}, headers=AUTH, timeout=60)
            assert response.status_code == 200 and response.json()["citations"]
        finally:
            _immutable(settings.data_dir, False)


def test_a_server_started_on_a_read_only_folder_says_why_it_is_not_ready(read_only_index, index_settings, tmp_path):
    with serving(index_settings, tmp_path, "extractive", wait_ready=False, ASSISTANT_DATA_DIR=str(read_only_index)) as (
        base,
        _log,
    ):
        wait_for(
            lambda: (
                httpx.get(f"{base}/readyz", timeout=10).json().get("error", {}).get("type") == "not_ready"
                and "starting" not in httpx.get(f"{base}/readyz", timeout=10).text
            ),
            "the load to end",
        )
        body = httpx.get(f"{base}/readyz", timeout=10).json()
        assert "read-only" in body["error"]["message"] and str(read_only_index) in body["error"]["message"]
        assert "AttributeError" not in body["error"]["message"]
