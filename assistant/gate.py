"""Admission to the LLM: one generation at a time, a bounded line, and no piling up.

Generation is CPU-bound and llama.cpp runs one prompt at a time, so requests that need
the model wait here. When the line is full a request is turned away at once (the server
answers 503 with Retry-After); one that waits longer than the limit gives up (504).
Abstentions and retrieval never come here.
"""

from __future__ import annotations

import threading

__all__ = ["Busy", "GenerationGate", "QueueTimeout", "Ticket"]


class Busy(Exception):
    """The line for the model is full."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"the assistant is busy answering other questions; retry in {retry_after_s} s")
        self.retry_after_s = retry_after_s


class QueueTimeout(Exception):
    """Waited too long for the model."""


class Ticket:
    """A place at the model; release() is idempotent, so any owner may call it."""

    def __init__(self, gate: GenerationGate) -> None:
        self._gate = gate
        self._released = False
        self._lock = threading.Lock()
        self.handed_over = False  # set when a worker thread took over the duty to release

    def release(self) -> None:
        with self._lock:
            if self._released:
                return
            self._released = True
        self._gate._leave()


class GenerationGate:
    def __init__(self, max_waiting: int | None = None, wait_timeout_s: float | None = None, retry_after_s: int = 5):
        self.max_waiting = max_waiting  # None: no limit (the command line)
        self.wait_timeout_s = wait_timeout_s
        self.retry_after_s = retry_after_s
        self._slot = threading.Lock()
        self._count = threading.Lock()
        self._admitted = 0  # running + waiting

    @property
    def admitted(self) -> int:
        return self._admitted

    def enter(self) -> Ticket:
        with self._count:
            if self.max_waiting is not None and self._admitted >= 1 + self.max_waiting:
                raise Busy(self.retry_after_s)
            self._admitted += 1
        timeout = -1 if self.wait_timeout_s is None else self.wait_timeout_s
        if not self._slot.acquire(timeout=timeout):
            with self._count:
                self._admitted -= 1
            raise QueueTimeout(f"waited {self.wait_timeout_s:g} s for the model without getting a turn; try again")
        return Ticket(self)

    def _leave(self) -> None:
        self._slot.release()
        with self._count:
            self._admitted -= 1
