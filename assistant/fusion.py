"""Weighted reciprocal rank fusion of several rankings into one.

Written by hand, not taken from a library: it is ten lines, and the packages that offer it
bring a framework with them (langchain-classic's EnsembleRetriever, whose result this
reproduces exactly, is being dropped; the RRF helpers of search engines' clients need their
engine). Keeping it here also keeps its tie order, which the answers depend on, in plain sight.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from itertools import chain

from langchain_core.documents import Document

__all__ = ["reciprocal_rank_fusion"]


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[Document]],
    weights: Sequence[float],
    c: int = 60,
    id_key: str | None = None,
) -> list[Document]:
    """Fuse rankings by weighted RRF (Cormack et al. 2009): a document scores
    sum(weight / (rank + c)) over the rankings it appears in, ranks starting at 1.

    Documents are the same document when their page_content is equal (or, given id_key,
    their metadata[id_key]); the first one met, reading the rankings in order, is the one
    returned. Equal scores keep that first-met order (the sort is stable). This is what
    EnsembleRetriever.weighted_reciprocal_rank of langchain-classic 1.0.8 returns, float
    for float: the scores are summed in the same order.
    """
    if len(rankings) != len(weights):
        raise ValueError(f"{len(rankings)} rankings but {len(weights)} weights")

    def key(document: Document) -> str:
        return document.page_content if id_key is None else document.metadata[id_key]

    score: defaultdict[str, float] = defaultdict(float)
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, document in enumerate(ranking, start=1):
            score[key(document)] += weight / (rank + c)
    first: dict[str, Document] = {}
    for document in chain.from_iterable(rankings):
        first.setdefault(key(document), document)
    return sorted(first.values(), key=lambda document: score[key(document)], reverse=True)
