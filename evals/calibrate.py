"""Calibrate the abstention threshold on evals/calibration.jsonl and the dataset's tuning split.

The threshold is the midpoint of the widest gap between in-scope and out-of-scope
evidence scores that best separates them (balanced accuracy first, then margin). The
calibration questions (evals/calibration.jsonl and the dataset's tuning split,
`calibration_questions`) never include the locked split, so the evaluation measures the
threshold on questions it was not chosen with.

    assistant calibrate            # the scores on stderr, ASSISTANT_ABSTAIN_BELOW=<t> on stdout
    python -m launch calibrate     # the same (the command line sits above this package)
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "CALIBRATION_SET",
    "Calibration",
    "calibrate",
    "calibrate_index",
    "calibration_questions",
    "load_questions",
    "tuning_questions",
]

CALIBRATION_SET = Path(__file__).with_name("calibration.jsonl")


@dataclass
class Calibration:
    threshold: float
    balanced_accuracy: float
    lowest_in_scope: float
    highest_out_of_scope: float
    scores: list[tuple[str, bool, float]]


def load_questions(path: Path = CALIBRATION_SET) -> list[tuple[str, bool]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(row["question"], bool(row["in_scope"])) for row in rows]


def tuning_questions() -> list[tuple[str, bool]]:
    """The dataset's tuning split as (question, in scope), single-turn questions only (a
    follow-up's evidence depends on its rewrite; injections have no right answer)."""
    from evals.dataset import load_cases

    return [
        (c.question, bool(c.in_scope)) for c in load_cases(split="tuning") if c.in_scope is not None and not c.history
    ]


def calibration_questions() -> list[tuple[str, bool]]:
    """What `assistant calibrate` scores: calibration.jsonl and the tuning split."""
    return list(dict.fromkeys(load_questions() + tuning_questions()))


def calibrate(best_score, questions: list[tuple[str, bool]]) -> Calibration:
    """best_score: question -> evidence score (AnswerService.evidence)."""
    scores = [(q, inside, best_score(q)) for q, inside in questions]
    values = sorted({s for _, _, s in scores})
    candidates = [(a + b) / 2 for a, b in itertools.pairwise(values)] or values

    def quality(threshold: float) -> tuple[float, float]:
        inside = [s for _, i, s in scores if i]
        outside = [s for _, i, s in scores if not i]
        recall = sum(s >= threshold for s in inside) / max(len(inside), 1)
        specificity = sum(s < threshold for s in outside) / max(len(outside), 1)
        margin = min([abs(s - threshold) for _, _, s in scores], default=0.0)
        return (recall + specificity) / 2, margin

    threshold = max(candidates, key=quality)
    inside = [s for _, i, s in scores if i]
    outside = [s for _, i, s in scores if not i]
    return Calibration(
        threshold=round(threshold, 3),
        balanced_accuracy=quality(threshold)[0],
        lowest_in_scope=min(inside),
        highest_out_of_scope=max(outside),
        scores=scores,
    )


def calibrate_index(settings, questions: list[tuple[str, bool]] | None = None) -> Calibration:
    """Calibrate on the index the settings point at. No LLM: only the evidence score counts."""
    from assistant.composition import build_service

    service = build_service(settings, with_llm=False, warm_up=False)
    return calibrate(service.evidence, calibration_questions() if questions is None else questions)

