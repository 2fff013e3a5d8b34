"""Admission to the LLM: one generation at a time, a bounded line, and no piling up.

Generation is CPU-bound and llama.cpp runs one prompt at a time, so requests that need
the model wait here. When the line is full a request is turned away at once (the server
answers 503 with Retry-After); one that waits longer than the limit gives up (504).
Abstentions and retrieval never come here.
"""

from __future__ import annotations

import threading
import time

from assistant.errors import Busy, QueueTimeout

__all__ = ["Busy", "GenerationGate", "QueueTimeout", "Ticket"]

_POLL_S = 0.05


class Ticket:
    """A place in the line for the model: wait() for the turn, release() when done.

    release() is idempotent, so whoever finishes last (the request or the generation
    thread) may call it.
    """

    def __init__(self, gate: GenerationGate) -> None:
        self._gate = gate
        self._holding = False
        self._released = False
        self._lock = threading.Lock()
        self.handed_over = False  # set when a worker thread took over the duty to release

    def wait(self, cancel: threading.Event | None = None) -> bool:
        """Wait for the turn: True once it is ours, False when ``cancel`` was set first (the
        caller went away; the place in the line is given up). QueueTimeout past the limit."""
        limit = self._gate.wait_timeout_s
        deadline = None if limit is None else time.monotonic() + limit
        while True:
            # Short slices, so a caller that went away leaves the line at once.
            left = _POLL_S if deadline is None else min(_POLL_S, max(deadline - time.monotonic(), 0.0))
            if self._gate._slot.acquire(timeout=left):
                self._holding = True
                return True
            if cancel is not None and cancel.is_set():
                self.release()
                return False
            if deadline is not None and time.monotonic() >= deadline:
                self.release()
                raise QueueTimeout(f"waited {limit:g} s for the model without getting a turn; try again")

    def release(self) -> None:
        with self._lock:
            if self._released:
                return
            self._released = True
        self._gate._leave(self._holding)


class GenerationGate:
    def __init__(self, max_waiting: int | None = None, wait_timeout_s: float | None = None, retry_after_s: int = 5):
        self.max_waiting = max_waiting  # None: no limit (the command line)
        self.wait_timeout_s = wait_timeout_s
        self.retry_after_s = retry_after_s
        self._slot = threading.Lock()
        self._count = threading.Condition()
        self._admitted = 0  # running + waiting

    @property
    def admitted(self) -> int:
        """Requests running or waiting for the model."""
        return self._admitted

    def admit(self) -> Ticket:
        """A place in the line, at once, or Busy when the line is full."""
        with self._count:
            if self.max_waiting is not None and self._admitted >= 1 + self.max_waiting:
                raise Busy(self.retry_after_s)
            self._admitted += 1
        return Ticket(self)

    def enter(self) -> Ticket:
        """admit() and wait() for the turn."""
        ticket = self.admit()
        ticket.wait()
        return ticket

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until nobody runs or waits (True), or the timeout passes (False)."""
        with self._count:
            return self._count.wait_for(lambda: self._admitted == 0, timeout)

    def _leave(self, holding: bool) -> None:
        if holding:
            self._slot.release()
        with self._count:
            self._admitted -= 1
            self._count.notify_all()
