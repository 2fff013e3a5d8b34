"""The sentences of retrieved passages, with their vectors: what quotes, the guard and the
abstention rule all compare a question or a model sentence with.

A candidate is a sentence of a passage, or two adjacent body sentences together (a claim
and the sentence that explains it). Headings and a Q&A chunk's question line are kept,
flagged as labels: they show what a passage is about but state nothing to cite.
"""

from __future__ import annotations

import itertools
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
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


def _with_vectors(candidates: list[Evidence], vectors: Iterator[Vector]) -> list[tuple[Evidence, Vector]]:
    """Each single sentence with the next of ``vectors``; each pair of adjacent sentences with
    the length-weighted sum of its two sentences' vectors, scaled to length 1.

    A pair is not embedded on its own: its text is the two sentences', so embedding it too
    doubled the model's work on every cold passage (the wait for an answer's first text),
    and MiniLM's mean-pooled vector of two sentences lies close to the weighted mean of
    theirs."""
    singles = {c.start: (c, next(vectors)) for c in candidates if c.single}
    found = list(singles.values())
    by_end = {c.end: (c, v) for c, v in singles.values()}
    for pair in (c for c in candidates if not c.single):
        (first, a), (second, b) = singles[pair.start], by_end[pair.end]
        wa, wb = len(first.text), len(second.text)
        summed = [wa * x + wb * y for x, y in zip(a, b, strict=True)]
        norm = math.sqrt(sum(x * x for x in summed)) or 1.0
        found.append((pair, [x / norm for x in summed]))
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
        texts = [c.text for candidates in missing.values() for c in candidates if c.single]
        vectors = iter(self.embed_many(texts) if texts else [])
        fresh = {chunk: _with_vectors(candidates, vectors) for chunk, candidates in missing.items()}
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
