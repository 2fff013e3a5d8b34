"""The `openai` backend against a real OpenAI-compatible server: llama-cpp-python's own
(`python -m llama_cpp.server`) serving the bundled GGUF on loopback, behind a real
`assistant serve`. Scaling the LLM out is then a setting, not a rewrite."""

from __future__ import annotations

import json

import httpx
import pytest

from assistant.llm import bundled_gguf_path
from tests.conftest import LIVE_API_KEY, serving
from tests.processes import answers_200, free_port, llama_server_argv, started

pytestmark = pytest.mark.integration

AUTH = {"Authorization": f"Bearer {LIVE_API_KEY}"}
QUESTION = "Will I lose my engineering chops if I move to product?"
ALIAS = "smollm2-135m"  # the model name the llama server answers to, as a deployment would set it
# One thread: the llama server shares the machine's two cores with the assistant's torch.
LLAMA_THREADS = 1


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory):
    """llama.cpp's OpenAI-compatible server with the bundled GGUF, started once; yields (/v1 URL, log path)."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("llama-server") / "llama-server.log"
    argv = llama_server_argv(bundled_gguf_path(), port, ALIAS, LLAMA_THREADS)
    with started(argv, answers_200(f"http://127.0.0.1:{port}/v1/models"), log_path, limit_s=120):
        yield f"http://127.0.0.1:{port}/v1", log_path


@pytest.fixture(scope="module")
def server(llama_server, index_settings, tmp_path_factory):
    """`assistant serve` over the session index, its LLM the llama server; yields the base URL."""
    base_url, _ = llama_server
    env = {"ASSISTANT_LLM_BASE_URL": base_url, "ASSISTANT_LLM_MODEL": ALIAS}
    with serving(index_settings, tmp_path_factory.mktemp("server-openai"), "openai", **env) as (base, _log):
        yield base


def completion_tokens(base: str) -> float:
    """assistant_llm_tokens_total{kind="completion"}: what the LLM wrote, as the server counted it."""
    text = httpx.get(f"{base}/metrics", headers=AUTH, timeout=30).text
    for line in text.splitlines():
        if line.startswith('assistant_llm_tokens_total{kind="completion"}'):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_readyz_names_the_openai_backend(server, llama_server):
    base_url, _ = llama_server
    ready = httpx.get(f"{server}/readyz", timeout=30).json()
    assert ready["status"] == "ready", ready  # not "degraded": the LLM answers
    assert ready["backend"] == f"openai:{ALIAS}@{base_url}"


def test_ask_is_answered_through_the_llama_server(server, llama_server):
    _, llama_log = llama_server
    calls_before = llama_log.read_text().count("POST /v1/chat/completions")
    tokens_before = completion_tokens(server)

    response = httpx.post(f"{server}/v1/ask", json={"question": QUESTION}, headers=AUTH, timeout=300)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["backend"].startswith(f"openai:{ALIAS}@") and not body["abstained"]
    assert body["citations"] and "losing your engineering ability" in body["answer"]
    # The model was asked and wrote: the llama server logged the call, the assistant counted its tokens.
    assert llama_log.read_text().count("POST /v1/chat/completions") > calls_before
    assert completion_tokens(server) > tokens_before


def test_ask_streams_through_the_llama_server(server, llama_server):
    _, llama_log = llama_server
    calls_before = llama_log.read_text().count("POST /v1/chat/completions")
    names, done = [], None
    request = {"question": "Do staff engineers only write code?"}
    with httpx.stream("POST", f"{server}/v1/ask/stream", json=request, headers=AUTH, timeout=300) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if line.startswith("event: "):
                names.append(line.removeprefix("event: "))
            elif line.startswith("data: ") and names[-1] == "done":
                done = json.loads(line.removeprefix("data: "))
    assert names[0] == "token" and names[-2:] == ["citations", "done"], names
    assert done["backend"].startswith("openai:") and done["citations"]
    assert llama_log.read_text().count("POST /v1/chat/completions") > calls_before


def test_chat_completions_plain_and_streamed(server):
    from openai import OpenAI

    client = OpenAI(base_url=f"{server}/v1", api_key=LIVE_API_KEY, timeout=300, max_retries=0)
    messages = [{"role": "user", "content": QUESTION}]

    completion = client.chat.completions.create(model="career-assistant", messages=messages)
    assert "[1]" in completion.choices[0].message.content
    assert completion.choices[0].finish_reason == "stop" and completion.model_extra["citations"]

    pieces, last = [], None
    for chunk in client.chat.completions.create(model="career-assistant", messages=messages, stream=True):
        pieces.append(chunk.choices[0].delta.content or "")
        last = chunk
    assert "[1]" in "".join(pieces)
    assert last.choices[0].finish_reason == "stop" and last.model_extra["citations"]
