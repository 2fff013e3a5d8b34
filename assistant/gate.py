"""Admission to the LLM: one generation at a time, a bounded line, and no piling up.

Generation is CPU-bound and llama.cpp runs one prompt at a time, so requests that need
the model wait here. When the line is full a request is turned away at once (the server
answers 503 with Retry-After); one that waits longer than the limit gives up (504).
Abstentions and retrieval never come here.
"""

from __future__ import annotations

import threading

from assistant.errors import Busy, QueueTimeout

__all__ = ["Busy", "GenerationGate", "QueueTimeout", "Ticket"]


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

    def wait(self) -> None:
        timeout = -1 if self._gate.wait_timeout_s is None else self._gate.wait_timeout_s
        if not self._gate._slot.acquire(timeout=timeout):
            self.release()
            raise QueueTimeout(f"waited {self._gate.wait_timeout_s:g} s for the model without getting a turn; try again")
        self._holding = True

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
        self._count = threading.Lock()
        self._admitted = 0  # running + waiting

    @property
    def admitted(self) -> int:
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

    def _leave(self, holding: bool) -> None:
        if holding:
            self._slot.release()
        with self._count:
            self._admitted -= 1
