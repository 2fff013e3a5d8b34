"""A total deadline, and a stop, for the LLM's HTTP calls, that hold whatever the server sends.

httpx bounds each read, not a call: its read timeout starts over with every byte, so an
OpenAI-compatible server that keeps a stream alive with SSE comments (``:`` a second, which
the OpenAI client skips) holds the call, its connection and the thread reading it for ever,
long after the answer stopped waiting (issue 24). Checking the deadline as bytes arrive is
not enough: a server that pauses just under the read timeout between bytes would hold the
call that long past it. Nor can another thread close httpx's response: a connection is not
thread-safe, and closing a socket does not wake a thread blocked reading it.

So a call made inside ``bounded_calls(deadline, stop, ...)``, in the thread that makes it,
through a client built with ``event_hooks=call_hooks()``:

* starts with its connect, write, read and pool timeouts cut to the time left;
* gets a connection of its own (``Connection: close``), whose socket httpx's ``trace``
  extension hands over the moment it is connected;
* has that socket shut down by a watchdog thread within 50 ms of the deadline or of a stop
  Event being set. shutdown(2) wakes the blocked read at once: the call fails (its body
  ended early), the calling thread closes the connection itself, and the server sees it
  closed. A server that sends nothing at all is cut the same way.

Only httpx's public interface is used (event hooks, the ``timeout`` and ``trace`` request
extensions, the ``network_stream`` response extension), which httpx2, the OpenAI SDK's own
client library since openai 3, shares; nothing here imports either.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

__all__ = ["CallStopped", "bounded_calls", "call_hooks"]

# How often the watchdog looks: a cut comes at most this late (the README promises ~50 ms), at
# the cost of one wake-up per interval, and only while an LLM call is under way.
_WATCH_EVERY_S = 0.05
_TIMEOUT_KINDS = ("connect", "read", "write", "pool")
# httpcore's trace events whose return value is the connection's network stream (TLS: the second).
_CONNECTED = ("connect_tcp.complete", "start_tls.complete")


class CallStopped(Exception):
    """A bounded call was not started: its deadline had passed or it had been stopped."""


class _CallLimit:
    """One bounded block: its deadline, its stop Events and the network streams of its calls."""

    def __init__(self, deadline: float, stops: tuple[threading.Event, ...]) -> None:
        self.deadline = deadline  # time.monotonic()
        self.stops = stops
        self._streams: list[Any] = []
        self._cut = False
        self._lock = threading.Lock()

    def seconds_left(self) -> float:
        return self.deadline - time.monotonic()

    def due(self) -> bool:
        return self.seconds_left() <= 0 or any(stop.is_set() for stop in self.stops)

    def attach(self, stream: Any) -> None:
        """Watch a call's network stream from now on; shut it at once if the block was already cut."""
        with self._lock:
            if not self._cut:
                if stream not in self._streams:  # seen at its connect and again with its response
                    self._streams.append(stream)
                _watchdog.watch(self)
                return
        _shut(stream)

    def cut(self) -> None:
        with self._lock:
            self._cut = True
            streams, self._streams = self._streams, []
        for stream in streams:
            _shut(stream)


def _shut(stream: Any) -> None:
    """Shut a connection's socket down in both directions, from any thread."""
    sock = stream.get_extra_info("socket")
    if sock is None:
        return
    try:
        # socket.socket's own shutdown, also for a TLS socket: SSLSocket's override drops its TLS
        # state, under the thread that may be reading through it at this moment.
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass  # already closed: the call ended on its own meanwhile


class _Watchdog:
    """One thread, running while there are calls to watch, that cuts the blocks that are due."""

    def __init__(self) -> None:
        self._watched: set[_CallLimit] = set()
        self._running = False
        self._lock = threading.Lock()

    def watch(self, limit: _CallLimit) -> None:
        with self._lock:
            self._watched.add(limit)
            if not self._running:
                self._running = True
                threading.Thread(target=self._run, name="llm-call-watchdog", daemon=True).start()

    def forget(self, limit: _CallLimit) -> None:
        with self._lock:
            self._watched.discard(limit)

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._watched:
                    self._running = False
                    return
                due = [limit for limit in self._watched if limit.due()]
                self._watched.difference_update(due)
            for limit in due:
                limit.cut()
            time.sleep(_WATCH_EVERY_S)  # a poll: nothing announces a deadline, and the stop Events are others'.


_watchdog = _Watchdog()
_current_limit: ContextVar[_CallLimit | None] = ContextVar("bounded_http_call_limit", default=None)


@contextmanager
def bounded_calls(deadline: float, *stops: threading.Event | None) -> Iterator[None]:
    """Bound the HTTP calls this thread makes in the block, through a client with call_hooks(),
    by ``deadline`` (a time.monotonic() value) and the ``stops`` Events (None ones are skipped):
    past the deadline, or once one is set, a call's connection is shut down from our side."""
    limit = _CallLimit(deadline, tuple(stop for stop in stops if stop is not None))
    token = _current_limit.set(limit)
    try:
        yield
    finally:
        _current_limit.reset(token)
        _watchdog.forget(limit)


def call_hooks() -> dict[str, list[Callable[[Any], None]]]:
    """The event hooks an httpx (or httpx2) client needs for its calls to be bounded."""
    return {"request": [_limit_request], "response": [_watch_response]}


def _limit_request(request: Any) -> None:
    limit = _current_limit.get()
    if limit is None:
        return  # a call outside bounded_calls: httpx's own timeouts only
    if limit.due():
        raise CallStopped("the call's deadline passed or it was stopped before it started")
    left = limit.seconds_left()
    timeouts = request.extensions.get("timeout") or {}
    request.extensions["timeout"] = {
        kind: left if timeouts.get(kind) is None else min(timeouts[kind], left) for kind in _TIMEOUT_KINDS
    }
    # A connection of its own: one a watchdog shut down is never handed to the next call, and
    # every call's socket is known from its connect on (a reused one only from its response).
    request.headers["Connection"] = "close"
    traced = request.extensions.get("trace")

    def trace(event_name: str, info: dict[str, Any]) -> None:
        if event_name.endswith(_CONNECTED) and info.get("return_value") is not None:
            limit.attach(info["return_value"])
        if traced is not None:
            traced(event_name, info)

    request.extensions["trace"] = trace


def _watch_response(response: Any) -> None:
    limit = _current_limit.get()
    stream = response.extensions.get("network_stream")
    if limit is not None and stream is not None:
        limit.attach(stream)
