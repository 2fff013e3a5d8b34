"""`assistant ask` with a server running (issue 27): it answers through the real
`assistant serve` without loading a model, `--local` answers in-process, a server that is
not ready means in-process with a note, and Ctrl-C through a server still exits 130."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import LIVE_API_KEY
from tests.processes import free_port, interrupted_mid_answer, uvicorn_in_thread

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
QUESTION = "Will I lose my engineering chops if I move to product?"
HEAVY = ("sentence_transformers", "llama_cpp", "torch", "chromadb", "transformers")

# The CLI as `assistant` runs it, which then says on its last stderr line which of the
# heavy modules this process imported (in a finally: after an error or exit too).
ASK_AND_REPORT_MODULES = f"""
import signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)
from launch.cli import app
try:
    app(sys.argv[1:], prog_name="assistant")
finally:
    heavy = [name for name in {HEAVY!r} if name in sys.modules]
    sys.stderr.write("\\nIMPORTED=" + ",".join(heavy) + "\\n")
"""


def cli_env(**extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "ASSISTANT_LLM_BACKEND": "extractive",
        **extra,
    }
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        env.pop(name, None)
    return env


def ask(*args: str, env: dict[str, str]) -> tuple[subprocess.CompletedProcess, list[str]]:
    result = subprocess.run(
        [sys.executable, "-c", ASK_AND_REPORT_MODULES, *args], check=False, capture_output=True, text=True, env=env,
        timeout=600,
    )
    marker = result.stderr.rsplit("IMPORTED=", 1)
    assert len(marker) == 2, result.stderr
    return result, [name for name in marker[1].strip().split(",") if name]


def test_ask_answers_through_a_running_server_without_loading_a_model(live_extractive_server, tmp_path):
    base, log = live_extractive_server
    # An empty data folder: an in-process answer would fail ("no index"), so the answer is the server's.
    env = cli_env(ASSISTANT_SERVER_URL=base, ASSISTANT_API_KEY=LIVE_API_KEY, ASSISTANT_DATA_DIR=str(tmp_path / "none"))
    result, imported = ask("ask", QUESTION, "--json", "--top-k", "3", env=env)
    assert result.returncode == 0, result.stderr
    assert imported == [], f"the CLI loaded {imported} though the server answered"
    answer = json.loads(result.stdout)
    assert answer["backend"] == "extractive" and answer["citations"] and not answer["abstained"]
    assert len(answer["citations"]) <= 3
    assert len(answer["id"]) == 32 and answer["index_version"]  # the same object as POST /v1/ask
    assert f"Answered by the server at {base} (extractive)." in result.stderr
    assert "POST /v1/ask/stream -> 200" in log.read_text()

    text, imported = ask("ask", QUESTION, env=env)
    assert text.returncode == 0 and imported == [], text.stderr
    assert "[1] Career paths beyond senior software engineer" in text.stdout  # the same printout as in-process
    assert "quoted from the article" in text.stderr and "extractive · retrieval" in text.stderr
    assert re.search(r"^Answer id: [0-9a-f]{32} \(rate it with POST /v1/feedback\)$", text.stderr, re.MULTILINE)

    quiet, _ = ask("-q", "ask", QUESTION, env=env)
    assert quiet.returncode == 0 and "Answered by" not in quiet.stderr and "Answer id" not in quiet.stderr


def test_local_answers_in_process_with_the_server_running(live_extractive_server, index_settings):
    base, _ = live_extractive_server
    env = cli_env(
        ASSISTANT_SERVER_URL=base, ASSISTANT_API_KEY=LIVE_API_KEY, ASSISTANT_DATA_DIR=str(index_settings.data_dir)
    )
    result, imported = ask("ask", QUESTION, "--json", "--local", env=env)
    assert result.returncode == 0, result.stderr
    assert "sentence_transformers" in imported  # the models were loaded here
    assert "Answering in-process (--local)." in result.stderr and "Answered by the server" not in result.stderr
    assert json.loads(result.stdout)["citations"]


def test_the_servers_refusals_are_the_clis_errors(live_extractive_server, tmp_path):
    base, _ = live_extractive_server
    env = cli_env(ASSISTANT_SERVER_URL=base, ASSISTANT_API_KEY="wrong-key", ASSISTANT_DATA_DIR=str(tmp_path))
    wrong_key, imported = ask("ask", QUESTION, env=env)
    assert wrong_key.returncode == 1 and imported == []
    assert f"Error: the server at {base} refused the API key" in wrong_key.stderr
    assert "Traceback" not in wrong_key.stderr


class NotReady(BaseHTTPRequestHandler):
    """A server of ours as it answers while it loads: /readyz is 503 "not_ready"."""

    def do_GET(self) -> None:  # http.server's name for it
        body = json.dumps({"error": {"type": "not_ready", "message": "loading the models", "details": []}}).encode()
        self.send_response(503 if self.path == "/readyz" else 404)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@contextmanager
def loopback(handler) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_server_that_is_not_ready_means_in_process_with_a_note(index_settings):
    with loopback(NotReady) as url:
        env = cli_env(ASSISTANT_SERVER_URL=url, ASSISTANT_DATA_DIR=str(index_settings.data_dir))
        result, imported = ask("ask", QUESTION, "--json", env=env)
    assert result.returncode == 0, result.stderr
    assert f"The server at {url} is not ready (loading the models): answering in-process." in result.stderr
    assert "sentence_transformers" in imported and json.loads(result.stdout)["citations"]


def test_no_server_at_the_address_means_in_process_with_a_note(index_settings):
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    env = cli_env(ASSISTANT_SERVER_URL=url, ASSISTANT_DATA_DIR=str(index_settings.data_dir))
    result, imported = ask("ask", QUESTION, env=env)
    assert result.returncode == 0, result.stderr
    assert "sentence_transformers" in imported
    assert f"Answering in-process (no assistant server at {url})." in result.stderr


# -- Ctrl-C through a server -----------------------------------------------------------------
@contextmanager
def gated_server(make_service, index_settings) -> Iterator[tuple[str, object]]:
    """The real app on real uvicorn (a thread of this process) over the session index, its
    model a gated fake that writes until cancelled: an interrupt always lands mid-answer."""
    import uvicorn

    from assistant.server.app import create_app
    from tests.fakes import scripted

    model = scripted("It depends [1].", gated=True)
    service = make_service(model)
    app = create_app(index_settings.model_copy(update={"llm_backend": "extractive"}), lambda settings: service)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    try:
        with uvicorn_in_thread(config):
            app.state.assistant.wait(60)  # the lifespan builds the service in the background
            assert app.state.assistant.service is service
            yield f"http://127.0.0.1:{port}", service
    finally:
        model.release.set()


def test_ctrl_c_through_a_server_cancels_the_answer_and_exits_130(make_service, index_settings, tmp_path):
    with gated_server(make_service, index_settings) as (url, _service):
        from launch.ask_client import find_server

        found = find_server(url)
        assert found is not None and found.ready, found
        process = subprocess.Popen(
            [sys.executable, "-c", ASK_AND_REPORT_MODULES, "ask", QUESTION],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=cli_env(ASSISTANT_SERVER_URL=url, ASSISTANT_DATA_DIR=str(tmp_path)),
        )
        stdout, stderr = interrupted_mid_answer(process)
    stderr = stderr.decode()
    assert process.returncode == 130, stderr
    assert "Cancelled: the answer was not finished." in stderr and "Traceback" not in stderr
    assert "IMPORTED=\n" in stderr  # through the server: no model here
    assert stdout.decode().endswith("\n")
