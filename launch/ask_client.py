"""`assistant ask` as a client of a running `assistant serve`.

Loading the index and the models takes the CLI about 20 s; a server has them loaded. So
when one answers at the configured address (ASSISTANT_SERVER_URL, by default where
`assistant serve` listens) and is ready, the question goes to its POST /v1/ask/stream and
the answer streams back as the same AnswerEvents the in-process service yields: the
printout and `--json` are the same either way. This module imports no model, no store
and no LangChain retriever: a process that answers through the server never loads them.

A server is recognised as ours by its /readyz: 200 with `status` ready/degraded,
`backend`, `chunks` and `index_version`, or 503 in our error shape with type `not_ready`
(then the CLI answers in-process, with a note). Anything else at the address (nothing,
another program, a timeout) means answering in-process.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import httpx

from assistant.answer import AnswerEvent
from assistant.errors import AssistantError, CapacityError, QuestionError
from assistant.settings import Settings

__all__ = ["CONNECT_TIMEOUT_S", "OFF", "FoundServer", "find_server", "server_url", "stream_from_server"]

OFF = "off"
# A server on this machine or the next accepts a connection in well under this; nothing
# listening is refused at once. Only a firewalled address that drops packets waits it out.
CONNECT_TIMEOUT_S = 0.5
# /readyz answers without waiting for the model.
PROBE_TIMEOUT_S = 3.0
# Between two pieces of a streamed answer: the server's own queue (ASSISTANT_QUEUE_TIMEOUT_S,
# 120 s) and LLM timeouts (60 s) end a request long before this.
READ_TIMEOUT_S = 300.0


def server_url(settings: Settings) -> str | None:
    """Where to look for a server: ASSISTANT_SERVER_URL, or where `assistant serve` listens
    by these settings (a wildcard bind is reached on loopback). None when set to "off"."""
    configured = settings.server_url.strip()
    if configured.lower() == OFF:
        return None
    if configured:
        return configured.rstrip("/")
    host = settings.host
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"
    elif ":" in host:  # an IPv6 address
        host = f"[{host}]"
    return f"http://{host}:{settings.port}"


@dataclass(frozen=True)
class FoundServer:
    url: str
    ready: bool
    detail: str  # ready: its backend; not ready: the reason it gives


def find_server(url: str, transport: httpx.BaseTransport | None = None) -> FoundServer | None:
    """Our server at `url`, ready or not; None when nothing there answers as ours."""
    timeout = httpx.Timeout(PROBE_TIMEOUT_S, connect=CONNECT_TIMEOUT_S)
    try:
        with httpx.Client(transport=transport, timeout=timeout) as client:
            response = client.get(f"{url}/readyz")
            body = response.json()
    except (httpx.HTTPError, ValueError):  # nothing listening, a timeout, a bad URL, not JSON
        return None
    if not isinstance(body, dict):
        return None
    if (
        response.status_code == 200
        and body.get("status") in ("ready", "degraded")
        and {"backend", "chunks", "index_version"} <= body.keys()
    ):
        return FoundServer(url, True, str(body["backend"]))
    error = body.get("error")
    if response.status_code == 503 and isinstance(error, dict) and error.get("type") == "not_ready":
        return FoundServer(url, False, str(error.get("message", "")))
    return None


def _refusal(response: httpx.Response, url: str) -> AssistantError:
    """The server's 4xx/5xx as the assistant's own error, with the server's sentence."""
    try:
        message = str(response.json()["error"]["message"])
    except (ValueError, KeyError, TypeError):
        message = f"HTTP {response.status_code}"
    status = response.status_code
    if status in (400, 422):
        return QuestionError(message)
    if status == 401:
        return AssistantError(f"the server at {url} refused the API key (set ASSISTANT_API_KEY, or use --local)")
    if status in (429, 503, 504):
        return CapacityError(f"the server at {url}: {message}")
    return AssistantError(f"the server at {url} failed: {message}")


def _events(lines: Iterator[str]) -> Iterator[tuple[str, str]]:
    """(event name, data) of each Server-Sent Event."""
    name, data = "", []
    for line in lines:
        if not line:
            if data:
                yield name, "\n".join(data)
            name, data = "", []
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
    if data:
        yield name, "\n".join(data)


def stream_from_server(
    url: str,
    question: str,
    top_k: int | None,
    api_key: str,
    transport: httpx.BaseTransport | None = None,
) -> Iterator[AnswerEvent]:
    """The answer from POST {url}/v1/ask/stream, as the service's own events. Closing the
    iterator (Ctrl-C) closes the connection, and the server cancels the answer."""
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    body: dict = {"question": question}
    if top_k is not None:
        body["top_k"] = top_k
    timeout = httpx.Timeout(READ_TIMEOUT_S, connect=CONNECT_TIMEOUT_S)
    try:
        with (
            httpx.Client(transport=transport, timeout=timeout) as client,
            client.stream("POST", f"{url}/v1/ask/stream", json=body, headers=headers) as response,
        ):
            if response.status_code != 200:
                response.read()
                raise _refusal(response, url)
            for name, data in _events(response.iter_lines()):
                payload = json.loads(data)
                if name == "error":
                    raise AssistantError(f"the server at {url}: {payload['error']['message']}")
                if name == "token":
                    yield AnswerEvent(event="token", text=payload["text"])
                elif name == "citations":
                    yield AnswerEvent(event="citations", citations=payload["citations"])
                elif name == "done":
                    yield AnswerEvent(event="done", answer=payload)
                    return
    except httpx.HTTPError as error:
        raise AssistantError(f"the server at {url} stopped answering ({type(error).__name__})") from None
    raise AssistantError(f"the server at {url} ended the answer before it was done")
