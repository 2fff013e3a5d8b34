"""The whole evaluation as one call: used by `assistant eval` and by the test suite."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assistant.service import AnswerService
from evals.dataset import Case, load_cases
from evals.report import write_report
from evals.runner import SuiteResult, run_suite
from evals.thresholds import Verdict, check

__all__ = ["Evaluation", "cleaned_texts", "evaluate"]


@dataclass
class Evaluation:
    suite: SuiteResult
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
) -> Evaluation:
    suite = run_suite(service, cases or load_cases(), cleaned_texts(cleaned_dir), service.embed, progress)
    verdicts = check(suite.metrics, backend_kind)
    return Evaluation(suite, verdicts, write_report(suite, verdicts, report_dir))
