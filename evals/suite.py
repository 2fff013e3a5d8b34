"""The whole evaluation as one call: used by `assistant eval` and by the test suite."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assistant.service import AnswerService
from evals.dataset import Case, load_cases
from evals.guard_eval import GuardEvaluation, measure_guard
from evals.lift import Lift, measure_lift
from evals.report import write_report
from evals.runner import SuiteResult, aggregate, run_suite
from evals.split import SPLITS
from evals.thresholds import Verdict, check

__all__ = ["Evaluation", "cleaned_texts", "evaluate"]


@dataclass
class Evaluation:
    suite: SuiteResult
    splits: dict[str, dict[str, float]]  # split -> metrics of its cases (only splits that ran)
    lift: Lift | None
    guard: GuardEvaluation | None
    verdicts: list[Verdict]
    report: Path

    @property
    def blocking(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.blocks_ci]


def cleaned_texts(cleaned_dir: Path) -> dict[str, str]:
    """source -> cleaned text, as ingestion kept them (what citation offsets point into)."""
    return {
        path.relative_to(cleaned_dir).as_posix().removesuffix(".txt"): path.read_text(encoding="utf-8")
        for path in cleaned_dir.rglob("*.txt")
    }


def evaluate(
    service: AnswerService,
    backend_kind: str,
    cleaned_dir: Path,
    report_dir: Path,
    cases: list[Case] | None = None,
    progress: Callable[[Case], None] | None = None,
    lift: bool = True,
    guard: bool = True,
) -> Evaluation:
    """Thresholds are checked on the locked split (the whole run when it holds none); with
    `lift` and an LLM backend, the locked in-scope cases are asked again without the LLM; with
    `guard`, the guard judges the labelled candidate sentences of the splits that ran (no LLM:
    the same figures for every backend)."""
    cleaned = cleaned_texts(cleaned_dir)
    suite = run_suite(service, cases or load_cases(), cleaned, service.embed, progress)
    splits = {
        name: aggregate(members) for name in SPLITS if (members := [r for r in suite.cases if r.case.split == name])
    }
    measured = measure_lift(service, suite.cases, cleaned) if lift and backend_kind != "extractive" else None
    judged = measure_guard(service, {r.case.split for r in suite.cases}) if guard else None
    metrics = dict(splits.get("locked", suite.metrics))
    if judged is not None:
        metrics |= judged.splits.get("locked", {})
    verdicts = check(metrics, backend_kind)
    report = write_report(suite, splits, measured, judged, verdicts, report_dir)
    return Evaluation(suite, splits, measured, judged, verdicts, report)
