"""What the LLM adds: the same locked questions answered by the backend under test and by
the extractive one (the article's own sentences, no LLM) over the same index."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assistant.service import AnswerService
from evals.dataset import Case
from evals.runner import CaseResult, aggregate, run_suite

__all__ = ["LIFT_METRICS", "Lift", "extractive_twin", "measure_lift"]

# Quality first (higher is better), then the latencies the issue sets targets for.
LIFT_METRICS = (
    "key_point_recall",
    "in_scope_correct",
    "citation_accuracy",
    "latency_first_token_p50_ms",
    "latency_total_p50_ms",
)


@dataclass
class Lift:
    backend: str
    cases: int
    with_llm: dict[str, float]
    without_llm: dict[str, float]

    def rows(self) -> list[tuple[str, float, float, float]]:
        """(metric, with the LLM, without, difference)."""
        return [
            (m, self.with_llm[m], self.without_llm[m], round(self.with_llm[m] - self.without_llm[m], 4))
            for m in LIFT_METRICS
        ]


def extractive_twin(service: AnswerService) -> AnswerService:
    """The same retriever and abstention rule without the LLM (shares the loaded index)."""
    return AnswerService(
        service.retriever, None, backend="extractive", top_k=service.top_k, abstain_below=service.abstain_below
    )


def _in_scope(results: Sequence[CaseResult]) -> dict[str, float]:
    # In-scope only: what the LLM is asked to improve, and latencies of answers it writes
    # (abstentions never reach it and would pull both p50s down alike).
    return aggregate([r for r in results if r.case.in_scope is True])


def measure_lift(service: AnswerService, results: Sequence[CaseResult], cleaned: Mapping[str, str]) -> Lift | None:
    """results: the backend's own results; its locked in-scope cases are asked again without the LLM."""
    locked = [r for r in results if r.case.split == "locked" and r.case.in_scope is True]
    if not locked:
        return None
    cases: list[Case] = [r.case for r in locked]
    baseline = run_suite(extractive_twin(service), cases, cleaned, service.embed)
    return Lift(service.backend, len(cases), _in_scope(locked), _in_scope(baseline.cases))
