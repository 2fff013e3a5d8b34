"""Small timing helpers shared by the bench's modules."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TypeVar

from evals.metrics import percentile

__all__ = ["spread", "timed"]

T = TypeVar("T")


def timed(call: Callable[[], T]) -> tuple[T, float]:
    """The call's result and its duration in milliseconds."""
    started = time.perf_counter()
    result = call()
    return result, (time.perf_counter() - started) * 1000


def spread(values: Sequence[float]) -> dict[str, float]:
    """p50 and p95 (nearest rank, as the evaluation reports latency), rounded to 0.1 ms."""
    return {"p50": round(percentile(values, 50), 1), "p95": round(percentile(values, 95), 1)}
