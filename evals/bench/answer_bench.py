"""Answers at one size with the embedded backend, beside llama-cpp-python alone.

The questions go through the evaluation's own runner (evals.runner.run_suite), so quality
is scored as `assistant eval` scores it. The floor of each answer that asked the model is
the service's own model (llama-cpp-python behind ChatLlama) streamed straight on the same
prompt to as many tokens as it wrote in the answer, right after that answer: the time no
answer path around this model can beat.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence

from assistant.service import AnswerService
from evals.bench.scoring import Scored, score
from evals.bench.timing import spread
from evals.dataset import Case
from evals.runner import run_suite

__all__ = ["bench_answers"]


class _FloorAfterEach:
    """An AnswerObserver that, as each answer that asked the model ends, runs the floor on
    the same prompt at once: the two share the machine's load of that moment, whatever
    else runs on it. (The service calls the observer after it has freed the model.)"""

    def __init__(self, service: AnswerService, floor: _LlamaFloor | None) -> None:
        self.service = service
        self.floor = floor
        self.rows: list[tuple[bool, int, tuple[float, float, int] | None]] = []  # asked, tokens, floor
        self._completion = 0

    def model_tokens(self, prompt: int, completion: int) -> None:
        self._completion = completion

    def answered(self, answer, verdicts, model_asked: bool) -> None:
        measured = None
        if model_asked and self.floor is not None:
            messages = self.service.model_messages(answer.standalone_question)
            measured = self.floor.answer(messages, max(self._completion, 1))
        self.rows.append((model_asked, self._completion, measured))
        self._completion = 0

    def refused_busy(self) -> None:
        pass


class _LlamaFloor:
    """The service's own loaded model (ChatLlama: llama-cpp-python behind LangChain's chat
    interface, nothing else) streamed straight on the prompt. The same object, so the same
    weights, context, batch size, threads and sampling: the floor is the same computation
    without the answer path around it."""

    def __init__(self, chat_model) -> None:
        self.chat_model = chat_model

    def answer(self, messages, tokens: int) -> tuple[float, float, int]:
        """(first token ms, full ms, text pieces written) for one prompt, to ``tokens`` tokens.

        Run in a thread of its own, as the service runs its model (assistant.generation): on
        this machine llama.cpp called from the main thread ran 10-20 times slower than from
        any other thread, which would make the floor no floor."""
        timing: list[float | None] = [None, 0.0, 0]

        def work() -> None:
            started = time.perf_counter()
            for piece in self.chat_model.stream(messages, max_tokens=tokens):
                if piece.content:
                    timing[2] += 1
                    if timing[0] is None:
                        timing[0] = (time.perf_counter() - started) * 1000
            timing[1] = (time.perf_counter() - started) * 1000

        thread = threading.Thread(target=work, name="llm-floor")
        thread.start()
        thread.join()
        first, total, written = timing
        return (first if first is not None else total, total, int(written))


def bench_answers(service: AnswerService, cases: Sequence[Case], cleaned: Mapping[str, str]) -> dict:
    observer = _FloorAfterEach(service, _LlamaFloor(service.llm) if service.llm is not None else None)
    service.observer = observer
    try:
        suite = run_suite(service, cases, cleaned, service.embed)
    finally:
        service.observer = None
    scored = [
        Scored(r.case, r.retrieved_sections, r.cited_sections, r.answer.abstained, r.answer.answer) for r in suite.cases
    ]
    asked = [(r, row) for r, row in zip(suite.cases, observer.rows, strict=True) if row[0]]
    timings = [r.answer.timings_ms for r, _ in asked]
    floors = [row[2] for _, row in asked if row[2] is not None]
    answered = {
        "answers": len(asked),
        "first_text_ms": spread([t.first_token or t.total for t in timings]),
        "llm_turn_ms": spread([t.generation for t in timings]),
        "full_ms": spread([t.total for t in timings]),
        "completion_tokens": sum(row[1] for _, row in asked),
        "floor_first_token_ms": spread([f[0] for f in floors]),
        "floor_full_ms": spread([f[1] for f in floors]),
        "floor_tokens": sum(f[2] for f in floors),
        "abstention_ms": spread([r.answer.timings_ms.total for r in suite.cases if r.answer.abstained]),
    }
    answered["ratio_full_p50"] = round(answered["full_ms"]["p50"] / max(answered["floor_full_ms"]["p50"], 1e-9), 2)
    return {"latency": answered, "quality": score(scored), "suite": {k: suite.metrics[k] for k in _SUITE_METRICS}}


_SUITE_METRICS = ("hit_at_1", "hit_at_3", "mrr", "citation_accuracy", "abstention_recall", "abstention_precision")
