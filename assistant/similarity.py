"""Similarity of embedding vectors, in one place for retrieval, the guard, the rewriter and the evals."""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["cosine", "dot"]


def dot(a: Sequence[float], b: Sequence[float]) -> float:
    """The cosine of two normalised vectors (the bundled model's are: encode_kwargs normalise)."""
    return sum(x * y for x, y in zip(a, b, strict=True))


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """The cosine of any two vectors, for vectors read back from a store."""
    norm = math.sqrt(dot(a, a)) * math.sqrt(dot(b, b))
    return dot(a, b) / norm if norm else 0.0
