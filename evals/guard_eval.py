"""The guard measured on its labelled set: each candidate sentence is checked by the real
guard of the real service, over the passages retrieved for its question, citing the passage
that holds its `cites` words, as the answer path would check a model's sentence."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from assistant.guard import Guard
from assistant.service import AnswerService
from evals.guard_set import FAITHFUL_KINDS, WRONG_KINDS, Candidate, load_candidates
from evals.split import SPLITS

__all__ = ["GuardEvaluation", "GuardResult", "claim_quoted", "guard_metrics", "judge_candidates", "measure_guard"]


@dataclass(frozen=True)
class GuardResult:
    candidate: Candidate
    accepted: bool
    reason: str  # the guard's (supported, re-cited, unsupported, contradicts, ...)


def _markers(guard: Guard, candidate: Candidate) -> list[int]:
    """The citation number of the first retrieved passage holding the cited words."""
    return [i + 1 for i, p in enumerate(guard.passages) if candidate.cites in p.text][:1]


def claim_quoted(guard: Guard, quoted: str) -> None:
    """Count the sentence the answer quoted before this one as said (as the answer path does)."""
    if not quoted:
        return
    for passage_evidence in guard.evidence:
        for evidence, _vector in passage_evidence:
            if evidence.single and evidence.text.strip() == quoted.strip():
                guard.claim(evidence)
                return


def judge_candidates(
    service: AnswerService, candidates: Sequence[Candidate], progress: Callable[[Candidate], None] | None = None
) -> list[GuardResult]:
    results = []
    for candidate in candidates:
        guard = service.guard(candidate.question)
        markers = _markers(guard, candidate)
        claim_quoted(guard, candidate.quoted)
        verdict = guard.check(candidate.sentence, markers)
        results.append(GuardResult(candidate, verdict.accepted, verdict.reason))
        if progress is not None:
            progress(candidate)
    return results


def _share(results: list[GuardResult]) -> float:
    return round(sum(r.accepted for r in results) / len(results), 4) if results else 0.0


def guard_metrics(results: Sequence[GuardResult]) -> dict[str, float]:
    """Accepted shares: of faithful sentences (should be high), of wrong ones (false accepts:
    should be 0), overall and per kind."""
    faithful = [r for r in results if r.candidate.faithful]
    wrong = [r for r in results if not r.candidate.faithful]
    metrics = {
        "guard_candidates": float(len(results)),
        "guard_faithful_accepted": _share(faithful),
        "guard_false_accept": _share(wrong),
        "guard_wrong_accepted": float(sum(r.accepted for r in wrong)),
    }
    for kind in FAITHFUL_KINDS + WRONG_KINDS:
        members = [r for r in results if r.candidate.kind == kind]
        if members:
            metrics[f"guard_accepted_{kind}"] = _share(members)
    return metrics


@dataclass
class GuardEvaluation:
    results: list[GuardResult]
    splits: dict[str, dict[str, float]]  # split -> guard_metrics of its candidates (splits that ran)

    def wrong_accepted(self, split: str) -> list[GuardResult]:
        return [r for r in self.results if r.candidate.split == split and r.accepted and not r.candidate.faithful]

    def faithful_rejected(self, split: str) -> list[GuardResult]:
        return [r for r in self.results if r.candidate.split == split and not r.accepted and r.candidate.faithful]


def measure_guard(service: AnswerService, splits: Collection[str] = SPLITS) -> GuardEvaluation:
    """The guard on the labelled candidates of these splits (the retrieval is the service's;
    no LLM is asked)."""
    candidates = [c for c in load_candidates() if c.split in splits]
    results = judge_candidates(service, candidates)
    by_split = {
        name: guard_metrics(members)
        for name in SPLITS
        if (members := [r for r in results if r.candidate.split == name])
    }
    return GuardEvaluation(results, by_split)
