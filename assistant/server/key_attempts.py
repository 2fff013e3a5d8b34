"""Wrong API keys counted per client address, so the key cannot be guessed at line speed.

Without it, 100 wrong logins took 2.7 s. Each wrong key (a Bearer header on /v1, /metrics
or the UI, or the UI's login form) is noted against the client's address; past
``per_minute`` of them inside a minute, every request that carries a key from that
address gets 429 with Retry-After, *without* the key being checked, until the oldest
failure is a minute old. A right key is refused too while the address is blocked, or the
block would tell a guesser which try was right. Requests with no key at all get their
ordinary 401.

Written by hand (a dozen lines): the rate-limiting libraries on the index (slowapi and
peers) limit requests, not failures, and would refuse the good clients of a busy address.
Behind a reverse proxy every client has the proxy's address, so one guesser blocks the
others for a minute: a proxy should then limit by the real client itself.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

__all__ = ["WINDOW_S", "KeyAttempts"]

WINDOW_S = 60.0
# Addresses remembered at most: a flood from many addresses cannot grow the table past it
# (the oldest are forgotten first).
_MAX_ADDRESSES = 10_000


class KeyAttempts:
    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()  # noted from the event loop and from worker threads

    def retry_after(self, address: str) -> int:
        """Whole seconds until this address may try a key again; 0 when it may now."""
        with self._lock:
            failures = self._recent(address)
            if len(failures) < self.per_minute:
                return 0
            return max(1, math.ceil(failures[0] + WINDOW_S - self._clock()))

    def failed(self, address: str) -> None:
        with self._lock:
            failures = self._recent(address)
            failures.append(self._clock())
            self._failures[address] = failures
            self._failures.move_to_end(address)
            while len(self._failures) > _MAX_ADDRESSES:
                self._failures.popitem(last=False)

    def _recent(self, address: str) -> deque[float]:
        failures = self._failures.get(address, deque())
        since = self._clock() - WINDOW_S
        while failures and failures[0] <= since:
            failures.popleft()
        if not failures:
            self._failures.pop(address, None)
        return failures
