"""The answer service: the answer path, read top to bottom in ``stream``.

    rewrite a follow-up -> retrieve -> abstain? -> lead quote -> the LLM's sentences,
    each checked by the guard -> quotes to fill in -> citations -> the answer

One object holds the heavy parts (the retriever with its index and embedding model, the
chat model), built once per process by ``assistant.composition``; the CLI, the HTTP API,
the UI and the evaluation all call ``stream`` or ``ask``.
"""

from __future__ import annotations

import copy
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage

from assistant.answer import Answer, AnswerEvent, AnswerSentence, Timings
from assistant.answerability import abstention, evidence_score, meaning_shifts, term_coverage
from assistant.citations import CitationList, render_sentence
from assistant.errors import Busy
from assistant.evidence import Evidence, EvidenceCache, PassageEvidence
from assistant.gate import GenerationGate, Ticket
from assistant.generation import GenerationFailed, model_sentences
from assistant.guard import Guard
from assistant.prompting import sentence_messages
from assistant.questions import check_question
from assistant.quotes import select_quotes
from assistant.reading import Reading
from assistant.retrieval import HybridRetriever, Passage
from assistant.rewrite import Turn, standalone_question
from assistant.tokens import token_counter

__all__ = ["AnswerObserver", "AnswerService"]

# The model is asked for a direct answer (assistant.prompting) over the sentences quote
# selection ranks highest; its turn ends when the guard has accepted ``model_sentences`` of
# them (Settings.llm_sentences: one for the bundled model, whose later sentences failed).
PROMPT_SENTENCES = 3
MIN_SENTENCES = 2
# An uncovered word whose removal moves the question this far is named in an abstention.
FOCAL_WORD_SHIFT = 0.1
_REASONS = {
    "unsupported": "{n} sentence(s) from the model were removed: the cited passages do not support them.",
    "contradicts": "{n} sentence(s) from the model were removed: they contradict the article.",
    "re-cited": "{n} sentence(s) from the model cited the wrong passage and were re-cited to the one that supports them.",
    "duplicate": "{n} repeated sentence(s) from the model were removed.",
    "fragment": "{n} unfinished sentence(s) from the model were removed: they state no whole claim.",
    "off-topic": "{n} sentence(s) from the model were removed: true to the article, but from passages beside the question.",
    "echo": "{n} sentence(s) from the model were removed: they restate the question, not what the article says.",
}


class AnswerObserver(Protocol):
    """Told how each answer ended (the server's metrics): only the answer path knows."""

    def answered(self, answer: Answer, verdicts: Mapping[str, int], model_asked: bool) -> None: ...

    def model_tokens(self, prompt: int, completion: int) -> None: ...

    def refused_busy(self) -> None: ...


@dataclass
class _Draft:
    """An answer being written: its sentences, what they cite, and what the guard did."""

    citations: CitationList
    started: float
    timings: Timings
    sentences: list[AnswerSentence] = field(default_factory=list)
    used: list[Evidence] = field(default_factory=list)
    reasons: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    def add(self, text: str, evidence: Evidence, origin: str) -> AnswerEvent:
        if self.timings.first_token is None:
            self.timings.first_token = _ms(self.started)
        sentence = AnswerSentence(text=text, citations=[self.citations.cite(evidence)], origin=origin)
        self.sentences.append(sentence)
        self.used.append(evidence)
        rendered = render_sentence(sentence)
        return AnswerEvent(event="token", text=rendered if len(self.sentences) == 1 else " " + rendered)

    @property
    def quoted(self) -> list[Evidence]:
        return [e for e, s in zip(self.used, self.sentences, strict=True) if s.origin == "quote"]

    @property
    def model_sentences(self) -> int:
        return sum(s.origin == "model" for s in self.sentences)


class AnswerService:
    def __init__(
        self,
        retriever: HybridRetriever,
        llm: BaseChatModel | None,
        *,
        backend: str,
        top_k: int = 4,
        abstain_below: float = 0.4,
        llm_timeout_s: float = 60.0,
        gate: GenerationGate | None = None,
        model_sentences: int = 1,
    ) -> None:
        self.retriever = retriever
        self.llm = llm
        self.backend = backend
        self.top_k = top_k
        self.abstain_below = abstain_below
        self.llm_timeout_s = llm_timeout_s
        self.model_sentences = model_sentences
        self.evidence_cache = EvidenceCache(self.embed)
        # Why the LLM failed its last turn ("" when it answered): /readyz reports it as degraded.
        self.llm_problem = ""
        # One generation at a time (llama.cpp is not re-entrant); the server bounds the line.
        self.gate = gate or GenerationGate()
        self.observer: AnswerObserver | None = None  # set by the server

    # -- what callers need, so they never reach through the retriever --------------------
    @property
    def chunk_count(self) -> int:
        return self.retriever.chunk_count

    @property
    def index_version(self) -> str:
        """The version of the index this service answers from."""
        return self.retriever.version

    def stored_index_version(self) -> str | None:
        """The version the store holds now (moves when an ingest changed it): "" while the
        collection holds none yet, None with no collection (ChunkStore.stored_version)."""
        return self.retriever.store.stored_version()

    @property
    def store_location(self) -> str:
        """The Chroma server's URL or the embedded store's folder, for messages."""
        return self.retriever.store.location

    @property
    def collection_name(self) -> str:
        return self.retriever.store.collection_name

    def reindexed(self) -> AnswerService:
        """This service over a fresh snapshot of the index, sharing the model, the line to it,
        the observer and the sentence vectors (keyed by content-hashed chunk ids, so still
        true): requests in flight finish on this one while new ones go to the copy."""
        fresh = copy.copy(self)
        fresh.retriever = self.retriever.reopened()
        fresh.warm_up()
        return fresh

    def documents(self) -> list[Document]:
        """Every indexed chunk, in reading order."""
        return list(self.retriever.documents.values())

    def document(self, chunk_id: str) -> Document | None:
        return self.retriever.documents.get(chunk_id)

    def embed(self, texts: list[str]) -> list[list[float]]:
        """Vectors of the embedding model that built the index."""
        return self.retriever.store.embeddings.embed_documents(texts)

    def check_store(self) -> None:
        """Raise StoreUnavailableError unless the vector store answers (for /readyz)."""
        self.retriever.store.ping()

    def warm_up(self, max_chunks: int = 64) -> None:
        """Load the embedding model and fill the caches, so the first question is not the slow one.

        Only the first ``max_chunks`` chunks' sentences are embedded ahead: a small corpus is
        then wholly warm, and a large one starts in seconds (the 500 chunks it used to warm
        cost 26 s of start-up at 1,000 chunks), while a question whose passages are cold pays
        for their sentences once (about a tenth of a second for four passages)."""
        self.retriever.retrieve("warm up", 1)
        self.retriever.best_score("warm up")
        self.evidence_cache.fill(self.retriever.passages(max_chunks))

    def evidence(self, question: str, top_k: int | None = None, history: Sequence[Turn] = ()) -> float:
        """How well the index covers a question: what the abstention threshold is compared with
        (the same reading and retrieval as an answer's, follow-ups made standalone first)."""
        reading, _, evidence = self._retrieved(question, history, top_k)
        return self._evidence(reading, evidence)[0]

    def model_messages(self, question: str, evidence: PassageEvidence | None = None) -> list[BaseMessage]:
        """What the model reads for a standalone question: the sentences quote selection
        ranks highest, and the question (the benchmark's floor reads the same)."""
        if evidence is None:
            evidence = PassageEvidence(self.retriever.retrieve(question, self.top_k), self.evidence_cache)
        selected = select_quotes(
            evidence, question, PROMPT_SENTENCES, [], self.retriever.idf, self.retriever.query_vector(question)
        )
        return sentence_messages(selected, question, self.model_sentences)

    # -- the answer path -----------------------------------------------------------------
    def ask(
        self,
        question: str,
        history: Sequence[Turn] = (),
        top_k: int | None = None,
        cancel: threading.Event | None = None,
    ) -> Answer:
        for event in self.stream(question, history, top_k, cancel):
            if event.answer is not None:
                return event.answer
        raise RuntimeError("the answer stream ended without an answer")  # pragma: no cover

    def stream(
        self,
        question: str,
        history: Sequence[Turn] = (),
        top_k: int | None = None,
        cancel: threading.Event | None = None,
        answer_id: str | None = None,
    ) -> Iterator[AnswerEvent]:
        """The answer as it is written. Setting ``cancel`` (the caller went away, or pressed
        stop) ends the LLM's turn at once and frees the model; quotes complete the answer.
        ``answer_id`` names the answer ahead (a streamed chat completion's every chunk
        carries it); by default it gets a fresh one."""
        question = check_question(question)
        started = time.perf_counter()
        timings = Timings()
        reading, passages, evidence = self._retrieved(question, history, top_k)
        standalone = reading.text
        score, focal = self._evidence(reading, evidence)
        timings.retrieval = _ms(started)
        base = {
            "question": question,
            "standalone_question": standalone,
            "backend": self.backend,
            "index_version": self.index_version,
        }
        if answer_id is not None:
            base["id"] = answer_id

        if score < self.abstain_below or not passages:
            note = f"Evidence {score:.2f} is below the abstention threshold {self.abstain_below:.2f}."
            answer = abstention(base, passages, note, focal)
            timings.first_token = timings.total = _ms(started)
            answer.timings_ms = timings
            if self.observer is not None:
                self.observer.answered(answer, {}, model_asked=False)
            yield AnswerEvent(event="token", text=answer.answer)
            yield AnswerEvent(event="citations")
            yield AnswerEvent(event="done", answer=answer)
            return

        # Take a place in the line for the model before saying anything, so that a full line
        # is a clean refusal (Busy) rather than half an answer; the turn itself is awaited
        # after the lead quote, which needs no model.
        try:
            ticket = self.gate.admit() if self.llm is not None else None
        except Busy:
            if self.observer is not None:
                self.observer.refused_busy()
            raise
        try:
            draft = _Draft(CitationList(passages), started, timings)
            guard = Guard(evidence, self.retriever.idf, standalone)
            # The answer opens with the article's own most relevant sentence: it is there in
            # milliseconds, while a local model needs seconds to read the passages, and it
            # ties the answer to the passage closest to the question whatever the model says.
            question_vector = self.retriever.query_vector(standalone)
            for lead in select_quotes(evidence, standalone, 1, [], self.retriever.idf, question_vector):
                guard.claim(lead)
                yield draft.add(lead.text, lead, "quote")
            # The quotes an answer without the model would give are given with it too: the
            # model's sentence adds a direct answer, never takes the place of the article's.
            # They are chosen now and counted as said, so a model sentence repeating one of
            # them is a duplicate, though it comes first.
            quoted = draft.quoted
            rest = select_quotes(
                evidence, standalone, MIN_SENTENCES - len(quoted), quoted, self.retriever.idf, question_vector
            )
            for quote in rest:
                guard.claim(quote)
            yield from self._model_turn(standalone, evidence, guard, ticket, draft, cancel)
            for quote in rest:
                yield draft.add(quote.text, quote, "quote")
        finally:
            if ticket is not None and not ticket.handed_over:
                ticket.release()

        answer = self._finish(base, passages, draft)
        if self.observer is not None:
            self.observer.answered(answer, draft.reasons, model_asked=self.llm is not None)
        yield AnswerEvent(event="citations", citations=answer.citations)
        yield AnswerEvent(event="done", answer=answer)

    def guard(self, question: str, history: Sequence[Turn] = ()) -> Guard:
        """The guard an answer to this question checks the model's sentences with, over the
        passages retrieved for it (what the guard's evaluation judges candidate sentences by)."""
        reading, _passages, evidence = self._retrieved(check_question(question), history, None)
        return Guard(evidence, self.retriever.idf, reading.text)

    # -- parts -----------------------------------------------------------------------------
    def _retrieved(
        self, question: str, history: Sequence[Turn], top_k: int | None
    ) -> tuple[Reading, list[Passage], PassageEvidence]:
        """The question made standalone (a follow-up), read in the index's own words (short
        forms expanded, misspellings fixed); its passages and their sentences."""
        reading = self.retriever.read(standalone_question(question, history, self.embed, self.retriever.reader.covers))
        passages = self.retriever.retrieve(reading.text, top_k or self.top_k)
        return reading, passages, PassageEvidence(passages, self.evidence_cache)

    def _evidence(self, reading: Reading, evidence: PassageEvidence) -> tuple[float, list[str]]:
        """The evidence score (assistant.answerability) and the uncovered words the question
        leans on most."""
        question = reading.text
        vector = self.retriever.query_vector(question)
        chunk = self.retriever.best_score(question)
        sentence = evidence.best_sentence(vector)
        coverage = term_coverage(question, evidence.passages, self.retriever.idf)
        variants = [reading.without(word) for word in reading.uncovered]
        shifts = meaning_shifts(vector, self.embed(variants)) if variants else []
        focal = [w for w, shift in zip(reading.uncovered, shifts, strict=True) if shift >= FOCAL_WORD_SHIFT]
        return evidence_score(chunk, sentence, coverage, max(shifts, default=0.0)), focal

    def _model_turn(
        self,
        question: str,
        evidence: PassageEvidence,
        guard: Guard,
        ticket: Ticket | None,
        draft: _Draft,
        cancel: threading.Event | None,
    ) -> Iterator[AnswerEvent]:
        """The model's sentences that pass the guard, and notes on what it removed."""
        generation_started = time.perf_counter()
        failed = False
        if self.llm is None:
            draft.notes.append("No LLM is configured (extractive backend): the answer is the article's own sentences.")
        elif ticket is None or not ticket.wait(cancel):  # QueueTimeout past the server's limit: a 504
            failed = True
            draft.notes.append(
                "The request was cancelled before the model's turn: the answer is the article's own sentences."
            )
        else:
            messages = self.model_messages(question, evidence)
            transcript: list[str] = []
            sentences = model_sentences(self.llm, messages, ticket, self.llm_timeout_s, cancel, transcript)
            try:
                rejected_in_a_row = 0
                for text, markers in sentences:
                    verdict = guard.check(text, markers)
                    draft.reasons[verdict.reason] += 1
                    if not verdict.accepted or verdict.evidence is None:
                        rejected_in_a_row += verdict.reason not in ("filler", "fragment", "question", "duplicate")
                        # As many failures in a row as it may add sentences (asked for one: its
                        # first): the model has nothing better to add; stop paying for it.
                        if rejected_in_a_row >= self.model_sentences:
                            break
                        continue
                    rejected_in_a_row = 0
                    yield draft.add(text, verdict.evidence, "model")
                    if draft.model_sentences == self.model_sentences:
                        break
                self.llm_problem = ""
            except GenerationFailed as error:
                failed = True
                draft.notes.append(f"{error} The answer is the article's own sentences.")
                if cancel is None or not cancel.is_set():
                    self.llm_problem = str(error)
            finally:
                sentences.close()  # stops the model now, not when this generator is collected
                if self.observer is not None:
                    count = token_counter(self.llm).count
                    prompt = "\n".join(str(m.content) for m in messages)
                    self.observer.model_tokens(count(prompt), count("".join(transcript)))
        draft.timings.generation = _ms(generation_started)
        reasons = draft.reasons
        draft.notes += [text.format(n=reasons[reason]) for reason, text in _REASONS.items() if reasons[reason]]
        if self.llm is not None and not failed and not draft.model_sentences and len(draft.sentences) < MIN_SENTENCES:
            draft.notes.append("Nothing the model wrote was supported by the article: the answer quotes it instead.")

    def _finish(self, base: dict, passages: list[Passage], draft: _Draft) -> Answer:
        if not draft.sentences:  # no quotable sentence at all: say so rather than answer empty
            answer = abstention(base, passages, "The closest passages hold no sentence to quote.")
        else:
            answer = Answer(
                **base,
                answer=" ".join(render_sentence(s) for s in draft.sentences),
                sentences=draft.sentences,
                citations=draft.citations.items,
                grounded=all(s.citations for s in draft.sentences),
                notes=draft.notes,
            )
        draft.timings.total = _ms(draft.started)
        answer.timings_ms = draft.timings
        return answer


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 1)
