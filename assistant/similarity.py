"""Similarity of embedding vectors, in one place for retrieval, the guard, the rewriter and the evals."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["dot"]


def dot(a: Sequence[float], b: Sequence[float]) -> float:
    """The cosine of two normalised vectors (the bundled model's are: encode_kwargs normalise)."""
    return sum(x * y for x, y in zip(a, b, strict=True))

