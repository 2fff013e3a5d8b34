"""The answer service: rewrite, retrieve, decide to abstain, generate, guard, cite.

One object holds the heavy parts (retriever with its index and embedding model, the
chat model) and is built once per process; the CLI, the HTTP API and the UI all call
``stream`` or ``ask``.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence

from langchain_core.language_models import BaseChatModel

from assistant.answer import Answer, AnswerEvent, AnswerSentence, Citation, Timings
from assistant.errors import QuestionError
from assistant.gate import GenerationGate, Ticket
from assistant.guard import Evidence, EvidenceCache, Guard, split_cited_sentences
from assistant.prompting import answer_chain, format_passages
from assistant.questions import MAX_QUESTION_CHARS, check_question
from assistant.retrieval import HybridRetriever, Passage
from assistant.rewrite import Turn, standalone_question
from assistant.text import sentence_spans

__all__ = ["MAX_QUESTION_CHARS", "AnswerService", "QuestionError"]

MAX_MODEL_SENTENCES = 3
MIN_SENTENCES = 2
# A model whose first sentences all fail the guard has lost the thread: stop paying for it.
MAX_REJECTED_IN_A_ROW = 2
_REASONS = {
    "unsupported": "{n} sentence(s) from the model were removed: the cited passages do not support them.",
    "contradicts": "{n} sentence(s) from the model were removed: they contradict the article.",
    "re-cited": "{n} sentence(s) from the model cited the wrong passage and were re-cited to the one that supports them.",
    "duplicate": "{n} repeated sentence(s) from the model were removed.",
    "off-topic": "{n} sentence(s) from the model were removed: true to the article, but from passages beside the question.",
}


class _GenerationFailed(Exception):
    pass


class _Citations:
    """Numbers citations in order of first use; one number per quoted span."""

    def __init__(self, passages: list[Passage]) -> None:
        self.passages = passages
        self.items: list[Citation] = []
        self._ids: dict[tuple[str, int, int], int] = {}

    def cite(self, evidence: Evidence) -> int:
        passage = self.passages[evidence.passage]
        key = (passage.chunk_id, evidence.start, evidence.end)
        if key not in self._ids:
            self._ids[key] = len(self.items) + 1
            self.items.append(
                Citation(
                    id=self._ids[key],
                    chunk_id=passage.chunk_id,
                    source=passage.source,
                    title=str(passage.metadata.get("title", "")),
                    author=str(passage.metadata.get("author", "")),
                    section=passage.section,
                    quote=evidence.text,
                    start=evidence.start,
                    end=evidence.end,
                    score=passage.score,
                )
            )
        return self._ids[key]


def _render(sentence: AnswerSentence) -> str:
    markers = "".join(f"[{n}]" for n in sentence.citations)
    if sentence.origin == "quote":
        return f"“{sentence.text}” {markers}"
    text = sentence.text
    if text[-1:] in ".!?":
        return f"{text[:-1]} {markers}{text[-1]}"
    return f"{text} {markers}."


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
    ) -> None:
        self.retriever = retriever
        self.llm = llm
        self.chain = answer_chain(llm) if llm is not None else None
        self.backend = backend
        self.top_k = top_k
        self.abstain_below = abstain_below
        self.llm_timeout_s = llm_timeout_s
        self.evidence_cache = EvidenceCache(retriever.store.embeddings.embed_documents)
        # One generation at a time (llama.cpp is not re-entrant); the server bounds the line.
        self.gate = gate or GenerationGate()

    # -- public -----------------------------------------------------------------------------
    def warm_up(self, max_chunks: int = 500) -> None:
        """Load the embedding model and fill the caches, so the first question is not the slow one."""
        self.retriever.retrieve("warm up", 1)
        self.retriever.best_score("warm up")
        for passage in self.retriever.passages()[:max_chunks]:
            self.evidence_cache.get(passage)

    def ask(self, question: str, history: Sequence[Turn] = (), top_k: int | None = None) -> Answer:
        for event in self.stream(question, history, top_k):
            if event.answer is not None:
                return event.answer
        raise RuntimeError("the answer stream ended without an answer")  # pragma: no cover

    def stream(self, question: str, history: Sequence[Turn] = (), top_k: int | None = None) -> Iterator[AnswerEvent]:
        question = self._check(question)
        started = time.perf_counter()
        timings = Timings()
        standalone = standalone_question(question, history, self.retriever.store.embeddings.embed_documents)
        passages = self.retriever.retrieve(standalone, top_k or self.top_k)
        guard = Guard(passages, self.evidence_cache, self.retriever.idf)
        evidence = self._evidence(standalone, guard)
        timings.retrieval = _ms(started)
        base = {"question": question, "standalone_question": standalone, "backend": self.backend}

        if evidence < self.abstain_below or not passages:
            note = f"Evidence {evidence:.2f} is below the abstention threshold {self.abstain_below:.2f}."
            answer = self._abstention(base, passages, note)
            timings.first_token = timings.total = _ms(started)
            answer.timings_ms = timings
            yield AnswerEvent(event="token", text=answer.answer)
            yield AnswerEvent(event="citations")
            yield AnswerEvent(event="done", answer=answer)
            return

        # Take a place in the line for the model before saying anything, so that a full line
        # is a clean refusal (Busy) rather than half an answer; the turn itself is awaited
        # after the lead quote, which needs no model.
        ticket = self.gate.admit() if self.chain is not None else None
        try:
            yield from self._answer(standalone, passages, guard, ticket, base, timings, started)
        finally:
            if ticket is not None and not ticket.handed_over:
                ticket.release()

    def _answer(
        self,
        standalone: str,
        passages: list[Passage],
        guard: Guard,
        ticket: Ticket | None,
        base: dict,
        timings: Timings,
        started: float,
    ) -> Iterator[AnswerEvent]:
        citations = _Citations(passages)
        sentences: list[AnswerSentence] = []
        used: list[Evidence] = []
        reasons: Counter[str] = Counter()
        notes: list[str] = []

        def emit(sentence: AnswerSentence) -> AnswerEvent:
            if timings.first_token is None:
                timings.first_token = _ms(started)
            text = _render(sentence)
            sentences.append(sentence)
            return AnswerEvent(event="token", text=text if len(sentences) == 1 else " " + text)

        # The answer opens with the article's own most relevant sentence: it is there in
        # milliseconds, while a local model needs seconds to read the passages, and it ties
        # the answer to the passage closest to the question whatever the model then says.
        for lead in guard.quotes(standalone, 1, []):
            used.append(lead)
            guard.claim(lead)
            yield emit(AnswerSentence(text=lead.text, citations=[citations.cite(lead)], origin="quote"))

        generation_started = time.perf_counter()
        model_failed = False
        if self.chain is not None:
            assert ticket is not None
            ticket.wait()  # QueueTimeout past the server's limit: the caller answers 504
            inputs = {"passages": format_passages(passages), "question": standalone}
            try:
                rejected_in_a_row = 0
                for text, markers in self._model_sentences(inputs, ticket):
                    verdict = guard.check(text, markers)
                    reasons[verdict.reason] += 1
                    if not verdict.accepted or verdict.evidence is None:
                        rejected_in_a_row += verdict.reason not in ("filler", "question")
                        if rejected_in_a_row == MAX_REJECTED_IN_A_ROW:
                            break
                        continue
                    rejected_in_a_row = 0
                    used.append(verdict.evidence)
                    yield emit(AnswerSentence(text=text, citations=[citations.cite(verdict.evidence)], origin="model"))
                    if sum(s.origin == "model" for s in sentences) == MAX_MODEL_SENTENCES:
                        break
            except _GenerationFailed as error:
                model_failed = True
                notes.append(f"{error} The answer is the article's own sentences.")
        else:
            notes.append("No LLM is configured (extractive backend): the answer is the article's own sentences.")
        timings.generation = _ms(generation_started)

        notes += [text.format(n=reasons[reason]) for reason, text in _REASONS.items() if reasons[reason]]
        missing = MIN_SENTENCES - len(sentences)
        if missing > 0:
            model_said = any(s.origin == "model" for s in sentences)
            if self.chain is not None and not model_said and not model_failed:
                notes.append("Nothing the model wrote was supported by the article: the answer quotes it instead.")
            for quote in guard.quotes(standalone, missing, used):
                yield emit(AnswerSentence(text=quote.text, citations=[citations.cite(quote)], origin="quote"))

        if not sentences:  # no quotable sentence at all: say so rather than answer empty
            answer = self._abstention(base, passages, "The closest passages hold no sentence to quote.")
        else:
            answer = Answer(
                **base,
                answer=" ".join(_render(s) for s in sentences),
                sentences=sentences,
                citations=citations.items,
                grounded=all(s.citations for s in sentences),
                notes=notes,
            )
        timings.total = _ms(started)
        answer.timings_ms = timings
        yield AnswerEvent(event="citations", citations=answer.citations)
        yield AnswerEvent(event="done", answer=answer)

    def evidence(self, question: str, top_k: int | None = None) -> float:
        """How well the index covers a question: what the abstention threshold is compared with."""
        passages = self.retriever.retrieve(question, top_k or self.top_k)
        return self._evidence(question, Guard(passages, self.evidence_cache, self.retriever.idf))

    # -- parts ------------------------------------------------------------------------------
    def _evidence(self, question: str, guard: Guard) -> float:
        # The mean of the closest chunk and the closest sentence: a question must match a
        # section as a whole and also one thing it says. Either alone separates in-scope
        # from out-of-scope questions less well (evals/calibrate.py shows the scores).
        chunk = self.retriever.best_score(question)
        sentence = guard.best_sentence(self.retriever.query_vector(question))
        return round((chunk + sentence) / 2, 4)

    @staticmethod
    def _check(question: str) -> str:
        return check_question(question)

    def _abstention(self, base: dict, passages: list[Passage], note: str) -> Answer:
        closest = list(dict.fromkeys(p.section for p in sorted(passages, key=lambda p: -p.score)))[:3]
        listed = "; ".join(f"“{s}”" for s in closest)
        text = "The article doesn't cover this question." + (f" The closest sections are {listed}." if closest else "")
        return Answer(
            **base,
            answer=text,
            abstained=True,
            grounded=True,
            closest_sections=closest,
            notes=[note],
        )

    def _model_sentences(self, inputs: dict, ticket: Ticket | None) -> Iterator[tuple[str, list[int]]]:
        """Complete sentences from the model as they are written, with their markers.

        The model runs in a worker thread so that a slow or stuck backend is given up
        after llm_timeout_s; the worker stops at its next token once we stop reading.
        """
        assert self.chain is not None
        pieces: queue.Queue[tuple[str, object]] = queue.Queue()
        stop = threading.Event()
        chain = self.chain

        def work() -> None:
            try:
                for piece in chain.stream(inputs):
                    if stop.is_set():
                        break
                    pieces.put(("text", piece))
                pieces.put(("end", None))
            except Exception as error:  # any backend failure becomes a fallback to quotes
                pieces.put(("error", error))
            finally:
                # The model is free only when this thread stops, not when the reader gives up.
                if ticket is not None:
                    ticket.release()

        if ticket is not None:
            ticket.handed_over = True  # from now on the worker releases it
        threading.Thread(target=work, name="llm-generation", daemon=True).start()
        deadline = time.monotonic() + self.llm_timeout_s
        buffer = ""
        try:
            while True:
                try:
                    kind, value = pieces.get(timeout=max(deadline - time.monotonic(), 0.001))
                except queue.Empty:
                    raise _GenerationFailed(f"The LLM did not answer within {self.llm_timeout_s:g} s.") from None
                if kind == "error":
                    raise _GenerationFailed(f"The LLM failed ({type(value).__name__}: {value}).")
                if kind == "end":
                    break
                buffer += str(value)
                spans = sentence_spans(buffer)
                # All but the last sentence are complete; markers may still follow the last.
                if len(spans) > 1 and not buffer[spans[-1][0] :].lstrip().startswith("["):
                    cut = spans[-1][0]
                    yield from split_cited_sentences(buffer[:cut])
                    buffer = buffer[cut:]
            yield from split_cited_sentences(buffer)
        finally:
            stop.set()


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 1)
