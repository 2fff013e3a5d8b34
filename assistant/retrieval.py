"""Hybrid retrieval: dense search in Chroma and BM25 keywords, fused by reciprocal rank.

The dense ranking comes from Chroma, the keyword one from assistant.keyword's BM25Retriever,
and assistant.fusion fuses them. Around that, this module adds what the answer needs and no
retriever returns: each passage's cosine similarity to the question (the evidence the
abstention rule reads, and the score shown with a citation), and the removal of
near-duplicates (split chunks overlap by design).
"""

from __future__ import annotations

import math
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass
from typing import Any

from langchain_core.documents import Document

from assistant.errors import IndexMissingError
from assistant.fusion import reciprocal_rank_fusion
from assistant.keyword import BM25Retriever
from assistant.similarity import cosine
from assistant.terms import terms
from ingest.store import ChunkStore

__all__ = ["HybridRetriever", "Passage"]

_DENSE_WEIGHT, _KEYWORD_WEIGHT = 0.6, 0.4
_OVERLAP_DUPLICATE = 0.5  # a chunk sharing more than half its span with a better one is dropped


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk, with its cosine similarity to the question."""

    chunk_id: str
    text: str
    metadata: dict[str, Any]
    score: float

    @property
    def source(self) -> str:
        return str(self.metadata.get("source", ""))

    @property
    def section(self) -> str:
        return str(self.metadata.get("section", ""))

    @property
    def start(self) -> int:
        return int(self.metadata.get("start", 0))

    @property
    def end(self) -> int:
        return int(self.metadata.get("end", 0))


class HybridRetriever:
    def __init__(self, store: ChunkStore, fetch_k: int = 12) -> None:
        documents = store.documents()
        if not documents:
            raise IndexMissingError("no index: run `assistant ingest` first")
        store.check_model()
        self.store = store
        self.documents = {d.id: d for d in documents}
        self.fetch_k = max(fetch_k, 1)
        self._vectors: dict[str, list[float]] = {}
        self._queries: OrderedDict[str, list[float]] = OrderedDict()
        self._lock = threading.Lock()
        tokens = [terms(d.page_content) for d in documents]
        self._document_frequency = Counter(t for chunk in tokens for t in set(chunk))
        self.keyword = BM25Retriever(documents=documents, tokenizer=terms, tokens=tokens, k=self.fetch_k)

    def idf(self, term: str) -> float:
        """Inverse document frequency of a term over the chunks (unseen terms weigh most)."""
        return math.log((len(self.documents) + 1) / (self._document_frequency.get(term, 0) + 1)) + 1.0

    @property
    def chunk_count(self) -> int:
        return len(self.documents)

    def query_vector(self, query: str) -> list[float]:
        with self._lock:
            if query in self._queries:
                self._queries.move_to_end(query)
                return self._queries[query]
        vector = self.store.embeddings.embed_query(query)
        with self._lock:
            self._queries[query] = vector
            while len(self._queries) > 256:
                self._queries.popitem(last=False)
        return vector

    def _dense(self, query: str) -> list[Document]:
        hits = self.store.nearest(self.query_vector(query), k=min(self.fetch_k, len(self.documents)))
        return [doc for doc, _distance in hits]

    def chunk_vectors(self, ids: list[str]) -> dict[str, list[float]]:
        missing = [i for i in ids if i not in self._vectors]
        if missing:
            self._vectors.update(self.store.vectors(missing))
        return {i: self._vectors[i] for i in ids if i in self._vectors}

    def similarity(self, query: str, chunk_ids: list[str]) -> dict[str, float]:
        vector = self.query_vector(query)
        return {i: cosine(vector, v) for i, v in self.chunk_vectors(chunk_ids).items()}

    def best_score(self, query: str) -> float:
        """The evidence for answering at all: the cosine similarity of the nearest chunk."""
        hits = self.store.nearest(self.query_vector(query), k=1)
        return 1.0 - hits[0][1] if hits else 0.0  # Chroma returns cosine distance

    def passages(self) -> list[Passage]:
        """Every chunk as a passage (score 0): for warming caches."""
        return [Passage(i, d.page_content, dict(d.metadata), 0.0) for i, d in self.documents.items()]

    def retrieve(self, query: str, k: int) -> list[Passage]:
        fused = reciprocal_rank_fusion(
            [self._dense(query), self.keyword.invoke(query)], [_DENSE_WEIGHT, _KEYWORD_WEIGHT]
        )
        ids = [d.id or "" for d in fused if d.id in self.documents]
        scores = self.similarity(query, ids)
        kept: list[Passage] = []
        for chunk_id in ids:
            document = self.documents[chunk_id]
            if any(_near_duplicate(document, self.documents[p.chunk_id]) for p in kept):
                continue
            kept.append(Passage(chunk_id, document.page_content, dict(document.metadata), round(scores[chunk_id], 4)))
            if len(kept) == k:
                break
        return kept


def _near_duplicate(candidate: Document, kept: Document) -> bool:
    a, b = candidate.metadata, kept.metadata
    if a.get("source") != b.get("source"):
        return candidate.page_content == kept.page_content
    overlap = min(a["end"], b["end"]) - max(a["start"], b["start"])
    return overlap > _OVERLAP_DUPLICATE * min(a["end"] - a["start"], b["end"] - b["start"])
