"""Similarity of embedding vectors, in one place for retrieval, the guard, the rewriter and the evals."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["dot", "unit_rows"]


def dot(a: Sequence[float], b: Sequence[float]) -> float:
    """The cosine of two normalised vectors (the bundled model's are: encode_kwargs normalise)."""
    if len(a) != len(b):
        raise ValueError(f"vectors of {len(a)} and {len(b)} dimensions")
    return float(np.dot(a, b))


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1, so a dot product is the cosine (stored vectors may not be)."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)
