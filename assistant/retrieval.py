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
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from langchain_core.documents import Document

from assistant.errors import IndexMissingError
from assistant.fusion import reciprocal_rank_fusion
from assistant.keyword import BM25Retriever
from assistant.reading import QuestionReader, Reading
from assistant.similarity import unit_rows
from assistant.snapshot import IndexSnapshot
from assistant.snapshot_files import SnapshotFiles
from ingest.glossary import derive_glossary
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
    """A snapshot of the index, read once at build: the documents, their vectors and the BM25
    index. Answers come from the snapshot alone, so each is true to one index version. Given
    ``files``, the snapshot of the store's version is read from there when saved, and saved
    there when built (assistant.snapshot_files): a restart over a large index skips most of
    its loading.

    Dense search runs here, exactly, over the snapshot's vectors, not as a query to Chroma:
    a store that another process is changing (an ingest, another replica's) answers with
    chunks of two versions at once, and an embedded store's in-process index misses what
    another process wrote. At the sizes this serves (tens of thousands of 384-d chunks, a
    few MB) the exact search takes about a millisecond and has no recall to tune. Chroma
    stays the store and the one record that every replica and ingest shares. When an ingest
    moves the store's version, the server builds a fresh snapshot with ``reopened`` and swaps
    it in.
    """

    def __init__(self, store: ChunkStore, fetch_k: int = 12, files: SnapshotFiles | None = None) -> None:
        # The version first: were an ingest to finish while the snapshot loads, the next check
        # sees a newer version than this one and loads again.
        self.version = store.version()
        model = store.embeddings.identity
        snapshot = files.load(self.version, model) if files is not None else None
        if snapshot is None:
            documents, vectors = store.snapshot()
            if not documents:
                raise IndexMissingError("no index: run `assistant ingest` first")
            snapshot = IndexSnapshot.build(documents, vectors)
            if files is not None:
                files.save(self.version, model, snapshot)
        store.check_model()
        self.store = store
        self.files = files
        documents = snapshot.documents
        self.documents = {d.id: d for d in documents}
        self._ids = snapshot.ids
        self._row = {chunk_id: row for row, chunk_id in enumerate(self._ids)}
        self._matrix = snapshot.matrix
        self.fetch_k = max(fetch_k, 1)
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._document_frequency = snapshot.document_frequency
        self.keyword = BM25Retriever.prebuilt(documents, snapshot.keyword_index, snapshot.vocabulary, k=self.fetch_k)
        # An index written before glossaries were stored gets one derived here, the same way.
        glossary = store.glossary()
        vocabulary = getattr(store.embeddings, "vocabulary", None)  # fakes in tests have none
        self.reader = QuestionReader(
            snapshot.word_frequency,
            derive_glossary(documents) if glossary is None else glossary,
            vocabulary() if callable(vocabulary) else frozenset(),
        )

    def reopened(self) -> HybridRetriever:
        """A fresh snapshot of the store (for a new index version)."""
        return HybridRetriever(self.store.reopened(), self.fetch_k, self.files)

    def read(self, question: str) -> Reading:
        """The question in the index's own words (short forms expanded, misspellings fixed)."""
        return self.reader.read(question)

    def idf(self, term: str) -> float:
        """Inverse document frequency of a term over the chunks (unseen terms weigh most)."""
        return math.log((len(self.documents) + 1) / (self._document_frequency.get(term, 0) + 1)) + 1.0

    @property
    def chunk_count(self) -> int:
        return len(self.documents)

    def _query(self, query: str) -> np.ndarray:
        with self._lock:
            if query in self._queries:
                self._queries.move_to_end(query)
                return self._queries[query]
        vector = unit_rows(np.asarray([self.store.embeddings.embed_query(query)], dtype=np.float32))[0]
        with self._lock:
            self._queries[query] = vector
            while len(self._queries) > 256:
                self._queries.popitem(last=False)
        return vector

    def query_vector(self, query: str) -> list[float]:
        return self._query(query).tolist()

    def _cosines(self, query: str) -> np.ndarray:
        return self._matrix @ self._query(query)

    def _dense(self, query: str) -> list[Document]:
        return [self.documents[self._ids[row]] for row in _top_rows(self._cosines(query), self.fetch_k)]

    def nearest(self, vector: Sequence[float], k: int) -> list[Passage]:
        """The k chunks nearest a vector that is no question's (the centroid of a group of
        questions: assistant.gaps), by exact cosine over the snapshot, nearest first."""
        scores = self._matrix @ unit_rows(np.asarray([vector], dtype=np.float32))[0]
        passages = []
        for row in _top_rows(scores, k):
            document = self.documents[self._ids[row]]
            score = round(float(scores[row]), 4)
            passages.append(Passage(self._ids[row], document.page_content, dict(document.metadata), score))
        return passages

    def similarity(self, query: str, chunk_ids: list[str]) -> dict[str, float]:
        vector = self._query(query)
        return {i: float(self._matrix[self._row[i]] @ vector) for i in chunk_ids if i in self._row}

    def best_score(self, query: str) -> float:
        """The evidence for answering at all: the cosine similarity of the nearest chunk."""
        return float(self._cosines(query).max())

    def passages(self, limit: int | None = None) -> list[Passage]:
        """The first ``limit`` chunks (all by default) in reading order, as passages of score 0:
        for warming caches."""
        ids = self._ids if limit is None else self._ids[:limit]
        return [Passage(i, self.documents[i].page_content, dict(self.documents[i].metadata), 0.0) for i in ids]

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


def _top_rows(scores: np.ndarray, k: int) -> list[int]:
    """The rows of the k highest scores, highest first; ties broken by reading order, so the
    ranking does not depend on argpartition's."""
    k = min(k, len(scores))
    if k <= 0:
        return []
    top = np.argpartition(-scores, k - 1)[:k]
    return sorted(top.tolist(), key=lambda row: (-scores[row], row))


def _near_duplicate(candidate: Document, kept: Document) -> bool:
    a, b = candidate.metadata, kept.metadata
    if a.get("source") != b.get("source"):
        return candidate.page_content == kept.page_content
    overlap = min(a["end"], b["end"]) - max(a["start"], b["start"])
    return overlap > _OVERLAP_DUPLICATE * min(a["end"] - a["start"], b["end"] - b["start"])

