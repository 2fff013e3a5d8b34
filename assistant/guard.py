"""The guard between the LLM and the user: every sentence shown must be true to the article.

Each sentence the model writes is checked against the passage it cites: it must be close
in meaning to a sentence (or two adjacent sentences) of that passage, share most of its
content words with it, and not flip its polarity ("you will lose" against "you won't
lose"). A sentence that fails is removed; one that is supported by another retrieved
passage than the one it names is re-cited to that passage. When too little survives,
the article's own most relevant sentences are quoted instead, each with its citation.

Written by hand: LangChain has no sentence-level grounding check, and an LLM judge is
out of reach on this machine (the only local model is the one being checked).
"""

from __future__ import annotations

import itertools
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from assistant.retrieval import Passage
from assistant.text import negation_count, sentence_spans, terms
from assistant.vectors import dot as _dot

__all__ = ["Evidence", "EvidenceCache", "Guard", "Verdict", "split_cited_sentences"]

# Thresholds for "supported". Measured on paraphrases and distortions of the article's
# sentences (tests/assistant/test_guard.py holds the cases): a faithful paraphrase scores
# 0.6 and up with the bundled model, an unrelated claim about the same topic below 0.5.
SUPPORT_SIMILARITY = 0.55
SUPPORT_WORD_SHARE = 0.5
DUPLICATE_SIMILARITY = 0.9
# Only passages nearly as relevant as the best one may support a model sentence: a small
# model likes to copy true but beside-the-point sentences from the other passages.
RELEVANCE_MARGIN = 0.12
MIN_CONTENT_WORDS = 3
MIN_QUOTE_WORDS = 6
POSITION_BONUS = 0.1

_MARKER = re.compile(r"\s*\[(\d{1,3})\]")
_LEADING_MARKERS = re.compile(r"^(\s*\[\d{1,3}\])+")

Vector = list[float]
EmbedMany = Callable[[list[str]], list[Vector]]


def _flips(claim: str, evidence: str) -> bool:
    """One side negates and the other does not ("No, you won't lose" against "you will lose").

    Presence, not parity: "No, you will not lose" is one denial, not a double negative.
    """
    return (negation_count(claim) > 0) != (negation_count(evidence) > 0)


def split_cited_sentences(text: str) -> list[tuple[str, list[int]]]:
    """Model text -> [(sentence without markers, [marker numbers])].

    Markers written after the full stop ("... skills. [1] Next") belong to the sentence
    before them.
    """
    pieces = [text[a:b] for a, b in sentence_spans(text)]
    sentences: list[tuple[str, list[int]]] = []
    for piece in pieces:
        leading = _LEADING_MARKERS.match(piece)
        if leading and sentences:
            sentences[-1][1].extend(int(n) for n in re.findall(r"\d+", leading.group(0)))
            piece = piece[leading.end() :]
        markers = [int(n) for n in _MARKER.findall(piece)]
        bare = " ".join(_MARKER.sub("", piece).split())
        bare = re.sub(r"\s+([.!?,;:])", r"\1", bare).strip()
        if bare:
            sentences.append((bare, markers))
        elif markers and sentences:
            sentences[-1][1].extend(markers)
    return sentences


@dataclass(frozen=True)
class Evidence:
    """A sentence (or two adjacent ones) of a retrieved passage, with absolute offsets."""

    passage: int  # index into the guard's passages
    text: str
    start: int
    end: int
    single: bool = True
    label: bool = False  # a heading or question line: not a statement to cite


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    reason: str  # supported | re-cited | unsupported | off-topic | contradicts | filler | question | duplicate
    evidence: Evidence | None = None
    similarity: float = 0.0


class EvidenceCache:
    """Sentence vectors per chunk, kept across questions: the same chunks come back often."""

    def __init__(self, embed_many: EmbedMany, size: int = 512) -> None:
        self.embed_many = embed_many
        self._cache: OrderedDict[str, list[tuple[Evidence, Vector]]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    @staticmethod
    def _candidates(passage: Passage) -> list[Evidence]:
        """Every sentence of the passage, and each two adjacent body sentences together.

        Headings and a Q&A chunk's question line are kept, flagged: they show what a
        passage is about (evidence for answering at all) but state nothing to cite.
        """
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

    def get(self, passage: Passage) -> list[tuple[Evidence, Vector]]:
        with self._lock:
            if passage.chunk_id in self._cache:
                self._cache.move_to_end(passage.chunk_id)
                return self._cache[passage.chunk_id]
        candidates = self._candidates(passage)
        vectors = self.embed_many([c.text for c in candidates]) if candidates else []
        pairs = list(zip(candidates, vectors, strict=True))
        with self._lock:
            self._cache[passage.chunk_id] = pairs
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return pairs


class Guard:
    """Checks one answer's sentences against the passages retrieved for it."""

    def __init__(self, passages: list[Passage], cache: EvidenceCache, idf: Callable[[str], float]) -> None:
        self.passages = passages
        self.embed_many = cache.embed_many
        self.idf = idf
        top = max((p.score for p in passages), default=0.0)
        self.relevant = [i for i, p in enumerate(passages) if p.score >= top - RELEVANCE_MARGIN]
        self.evidence = [
            [(Evidence(i, e.text, e.start, e.end, e.single, e.label), v) for e, v in cache.get(p)]
            for i, p in enumerate(passages)
        ]
        self._accepted: list[Vector] = []

    def _word_share(self, content: set[str], evidence: Evidence) -> float:
        """How much of the sentence's content the evidence holds, rare words weighing more:
        "engineer" is in every chunk of this corpus and proves little, "money" in none."""
        total = sum(self.idf(w) for w in content)
        shared = sum(self.idf(w) for w in content & set(terms(evidence.text)))
        return shared / total if total else 0.0

    def _ranked(self, vector: Vector, indexes: list[int]) -> list[tuple[float, Evidence]]:
        """The evidence of these passages, most similar first."""
        scored = [
            (_dot(vector, evidence_vector), evidence)
            for index in indexes
            for evidence, evidence_vector in self.evidence[index]
            if not evidence.label
        ]
        return sorted(scored, key=lambda item: -item[0])

    def best_sentence(self, vector: Vector) -> float:
        """The closest single sentence (headings and question lines included) to a question."""
        return max(
            (_dot(vector, v) for candidates in self.evidence for e, v in candidates if e.single),
            default=0.0,
        )

    def check(self, sentence: str, markers: list[int]) -> Verdict:
        if sentence.rstrip().endswith("?"):
            return Verdict(False, "question")
        content = terms(sentence)
        if len(content) < MIN_CONTENT_WORDS:
            return Verdict(False, "filler")
        vector = self.embed_many([sentence])[0]
        cited = sorted({m - 1 for m in markers if 1 <= m <= len(self.passages)} & set(self.relevant))
        others = [i for i in self.relevant if i not in cited]
        off_topic = [i for i in range(len(self.passages)) if i not in self.relevant]
        closest: tuple[Evidence | None, float] = (None, -1.0)
        for group, reason in ((cited, "supported"), (others, "re-cited"), (off_topic, "off-topic")):
            ranked = self._ranked(vector, group)
            if ranked and ranked[0][0] > closest[1]:
                closest = (ranked[0][1], ranked[0][0])
            for similarity, evidence in ranked:
                if similarity < SUPPORT_SIMILARITY:
                    break
                if self._word_share(set(content), evidence) < SUPPORT_WORD_SHARE:
                    continue
                if _flips(sentence, evidence.text):
                    return Verdict(False, "contradicts", evidence, similarity)
                # Embeddings barely see negation, so duplicates are judged only among
                # sentences that already passed the polarity check.
                if reason == "off-topic":
                    return Verdict(False, reason, evidence, similarity)
                if any(_dot(vector, seen) > DUPLICATE_SIMILARITY for seen in self._accepted):
                    return Verdict(False, "duplicate", evidence, similarity)
                self._accepted.append(vector)
                return Verdict(True, reason, evidence, similarity)
        evidence, similarity = closest
        if evidence is not None and similarity >= SUPPORT_SIMILARITY - 0.1 and _flips(sentence, evidence.text):
            return Verdict(False, "contradicts", evidence, similarity)
        return Verdict(False, "unsupported", evidence, similarity)

    def claim(self, evidence: Evidence) -> None:
        """Count a quoted sentence as said, so a model sentence repeating it is a duplicate."""
        for candidate, vector in self.evidence[evidence.passage]:
            if (candidate.start, candidate.end) == (evidence.start, evidence.end):
                self._accepted.append(vector)

    def quotes(self, question: str, count: int, exclude: list[Evidence]) -> list[Evidence]:
        """The article's own sentences that best answer the question.

        They come from the passage closest to the question first (a Q&A answer, or the
        section that defines the term asked about), then from the next ones if needed.
        """
        question_vector = self.embed_many([question])[0]
        taken = [(e.start, e.end) for e in exclude]
        chosen: list[Evidence] = []
        for index in sorted(range(len(self.passages)), key=lambda i: -self.passages[i].score):
            body = [
                (evidence, vector)
                for evidence, vector in self.evidence[index]
                if evidence.single and not evidence.label and not evidence.text.rstrip().endswith("?")
            ]
            # A direct answer comes first: in a Q&A pair or a section the opening sentences
            # carry it ("It depends. In an engineering-driven company ..."), so they get a
            # small head start over later, merely similar ones.
            ranked = sorted(
                (
                    (_dot(question_vector, vector) + POSITION_BONUS * (len(body) - order) / len(body), evidence)
                    for order, (evidence, vector) in enumerate(body)
                    if len(evidence.text.split()) >= MIN_QUOTE_WORDS
                ),
                key=lambda item: -item[0],
            )
            for _score, evidence in ranked:
                if len(chosen) == count:
                    break
                if any(evidence.start < end and start < evidence.end for start, end in taken):
                    continue
                chosen.append(evidence)
                taken.append((evidence.start, evidence.end))
        return sorted(chosen, key=lambda e: (-self.passages[e.passage].score, e.start))
