"""`assistant serve` for real: uvicorn on a free loopback port, the embedded LLM, httpx and
the official openai client, streaming included."""

from __future__ import annotations

import json
import shutil
import subprocess

import httpx
import pytest

from tests.conftest import LIVE_API_KEY
from tests.processes import log_lines_once_logged

pytestmark = pytest.mark.integration
QUESTION = "Will I lose my engineering chops if I move to product?"


AUTH = {"Authorization": f"Bearer {LIVE_API_KEY}"}


@pytest.fixture(scope="module")
def server(live_server):
    return live_server


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
    client = OpenAI(base_url=f"{base}/v1", api_key=LIVE_API_KEY, timeout=120, max_retries=0)
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
    base, log_path = server
    headers = {**AUTH, "X-Request-ID": "key-in-log-probe"}
    asked = httpx.post(f"{base}/v1/ask", json={"question": QUESTION}, headers=headers, timeout=120)
    assert asked.status_code == 200 and asked.headers["x-request-id"] == "key-in-log-probe"
    lines = log_lines_once_logged(log_path, {"key-in-log-probe"})
    (line,) = [line for line in lines if "request_id=key-in-log-probe " in line]
    assert "POST /v1/ask -> 200" in line
    assert LIVE_API_KEY not in "\n".join(lines)  # sent with every request, logged with none


@pytest.mark.skipif(shutil.which("jq") is None or shutil.which("curl") is None, reason="needs curl and jq (.ci/run installs them)")
def test_curl_into_jq(live_server):
    """The README's curl example, piped into jq as a shell user would."""
    base, _ = live_server
    curl = subprocess.Popen(
        ["curl", "-s", f"{base}/v1/ask", "-H", "content-type: application/json", "-H", f"Authorization: Bearer {LIVE_API_KEY}",
         "-d", json.dumps({"question": "Do staff engineers only write code?"})],
        stdout=subprocess.PIPE,
    )
    jq = subprocess.run(["jq", "-r", ".citations[0].section, .abstained"], stdin=curl.stdout, capture_output=True, text=True)
    curl.stdout.close()
    assert curl.wait(timeout=300) == 0 and jq.returncode == 0, jq.stderr
    assert jq.stdout.splitlines() == ["Q & A > Myths about staff-level engineers", "false"]
