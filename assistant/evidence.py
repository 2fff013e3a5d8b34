"""The sentences of retrieved passages, with their vectors: what quotes, the guard and the
abstention rule all compare a question or a model sentence with.

A candidate is a sentence of a passage, or two adjacent body sentences together (a claim
and the sentence that explains it). Headings and a Q&A chunk's question line are kept,
flagged as labels: they show what a passage is about but state nothing to cite.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from assistant.retrieval import Passage
from assistant.sentences import sentence_spans
from assistant.similarity import dot

__all__ = ["EmbedMany", "Evidence", "EvidenceCache", "PassageEvidence", "Vector"]

Vector = list[float]
EmbedMany = Callable[[list[str]], list[Vector]]


@dataclass(frozen=True)
class Evidence:
    """A sentence (or two adjacent ones) of a retrieved passage, with absolute offsets."""

    passage: int  # index into the answer's passages
    text: str
    start: int
    end: int
    single: bool = True
    label: bool = False  # a heading or question line: not a statement to cite


def _candidates(passage: Passage) -> list[Evidence]:
    labels = {p.strip().casefold() for p in passage.section.split(" > ")} | {
        str(passage.metadata.get("question", "")).strip().casefold()
    }
    found: list[Evidence] = []
    body: list[tuple[int, int]] = []
    for a, b in sentence_spans(passage.text):
        label = passage.text[a:b].strip().casefold() in labels
        found.append(Evidence(-1, passage.text[a:b], passage.start + a, passage.start + b, label=label))
        if not label:
            body.append((a, b))
    for (a, _), (_, d) in itertools.pairwise(body):
        found.append(Evidence(-1, passage.text[a:d], passage.start + a, passage.start + d, single=False))
    return found


class EvidenceCache:
    """Sentence vectors per chunk, kept across questions: the same chunks come back often."""

    def __init__(self, embed_many: EmbedMany, size: int = 512) -> None:
        self.embed_many = embed_many
        self._cache: OrderedDict[str, list[tuple[Evidence, Vector]]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, passage: Passage) -> list[tuple[Evidence, Vector]]:
        return self.fill([passage])[0]

    def fill(self, passages: list[Passage]) -> list[list[tuple[Evidence, Vector]]]:
        """The candidates of each passage with their vectors; those not cached are embedded
        together, in one call (full batches for the model, not one small one per passage)."""
        with self._lock:
            known = {p.chunk_id: self._cache[p.chunk_id] for p in passages if p.chunk_id in self._cache}
            for chunk in known:
                self._cache.move_to_end(chunk)
        missing = {p.chunk_id: _candidates(p) for p in passages if p.chunk_id not in known}
        texts = [c.text for candidates in missing.values() for c in candidates]
        vectors = iter(self.embed_many(texts) if texts else [])
        fresh = {chunk: [(c, next(vectors)) for c in candidates] for chunk, candidates in missing.items()}
        if fresh:
            with self._lock:
                self._cache.update(fresh)
                while len(self._cache) > self._size:
                    self._cache.popitem(last=False)
        return [known[p.chunk_id] if p.chunk_id in known else fresh[p.chunk_id] for p in passages]


class PassageEvidence:
    """The candidates of one answer's passages, each tagged with its passage's index."""

    def __init__(self, passages: list[Passage], cache: EvidenceCache) -> None:
        self.passages = passages
        self.embed_many = cache.embed_many
        self.by_passage: list[list[tuple[Evidence, Vector]]] = [
            [(Evidence(i, e.text, e.start, e.end, e.single, e.label), v) for e, v in pairs]
            for i, pairs in enumerate(cache.fill(passages))
        ]

    def best_sentence(self, vector: Vector) -> float:
        """The closest single sentence (headings and question lines included) to a question."""
        return max(
            (dot(vector, v) for candidates in self.by_passage for e, v in candidates if e.single),
            default=0.0,
        )
