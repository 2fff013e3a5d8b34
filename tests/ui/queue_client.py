"""Gradio's queue protocol (sse_v3), spoken with httpx as the page speaks it, and the server's
log read back for what one test did: for tests of the UI's error paths on a real server."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx

from tests.processes import wait_for

__all__ = ["ServerLog", "ask_in_queue", "final_chat", "parsed"]


def ask_in_queue(
    base: str, headers: dict[str, str], fn_index: int, data: list | None, *, session: str | None = None,
    event_data: Any = None, raw: bytes | None = None, request_id: str = "",
) -> tuple[httpx.Response, list[dict]]:
    """One event as the page sends it: POST queue/join, then the session's queue/data stream,
    read to its end. raw: a body sent as it is (e.g. a JSON `\\ud800` escape). Returns the
    join response and the stream's messages (none when the join was refused)."""
    session = session or uuid.uuid4().hex[:11]
    body = raw or json.dumps(
        {"data": data, "event_data": event_data, "fn_index": fn_index, "trigger_id": None, "session_hash": session}
    ).encode()
    ids = {"X-Request-ID": request_id} if request_id else {}
    with httpx.Client(base_url=f"{base}/ui/gradio_api", headers=headers, timeout=120) as client:
        joined = client.post("/queue/join", content=body, headers={"Content-Type": "application/json", **ids})
        if joined.status_code != 200:
            return joined, []
        messages = []
        with client.stream("GET", "/queue/data", params={"session_hash": session}, headers=ids) as stream:
            for line in stream.iter_lines():
                if line.startswith("data: "):
                    messages.append(json.loads(line.removeprefix("data: ")))
                    if messages[-1]["msg"] in ("close_stream", "unexpected_error"):
                        break
        return joined, messages


def final_chat(messages: list[dict]) -> list[dict] | None:
    """The chat (the event's first output) as the event ended it, or None if it failed."""
    done = [m for m in messages if m.get("msg") == "process_completed"]
    if not done or not done[-1].get("success"):
        return None
    return done[-1]["output"]["data"][0]


class ServerLog:
    """The lines a real server writes while a test runs. A test takes a mark, does its
    requests, then `since(mark)`: a marker request is sent and the lines before its own line
    are returned, so every line the test's requests caused (the request line is written once
    the response has ended) is in, without waiting on a clock."""

    def __init__(self, base: str, path: Path, headers: dict[str, str]) -> None:
        self.base, self.path, self.headers = base, path, headers

    def _lines(self) -> list[str]:
        return self.path.read_text(encoding="utf-8", errors="replace").splitlines()

    def mark(self) -> int:
        return len(self._lines())

    def since(self, mark: int) -> list[str]:
        marker = f"marker-{uuid.uuid4().hex[:12]}"
        httpx.get(f"{self.base}/healthz", headers={**self.headers, "X-Request-ID": marker}, timeout=30)
        wait_for(lambda: any(marker in line for line in self._lines()[mark:]), "the marker request's log line")
        lines = self._lines()[mark:]
        return lines[: next(i for i, line in enumerate(lines) if marker in line)]


def parsed(lines: list[str]) -> list[dict]:
    """Each line as the JSON object it must be (a line that is not one fails the test)."""
    objects = []
    for line in lines:
        try:
            objects.append(json.loads(line))
        except json.JSONDecodeError:
            raise AssertionError(f"not a JSON line: {line[:200]!r}") from None
    return objects
