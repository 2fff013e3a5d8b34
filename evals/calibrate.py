"""Calibrate the abstention threshold on evals/calibration.jsonl.

The threshold is the midpoint of the widest gap between in-scope and out-of-scope
evidence scores that best separates them (balanced accuracy first, then margin). The
calibration questions are kept apart from the evaluation dataset, so the evaluation
measures the threshold on questions it was not chosen with.

    python -m evals.calibrate            # prints the scores and the threshold to store
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CALIBRATION_SET", "Calibration", "calibrate", "load_questions"]

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


def main() -> None:
    from assistant.composition import build_service
    from assistant.settings import get_settings

    settings = get_settings()
    service = build_service(settings, with_llm=False, warm_up=False)
    result = calibrate(service.evidence, load_questions())
    for question, inside, score in sorted(result.scores, key=lambda row: row[2]):
        print(f"{score:.3f}  {'in ' if inside else 'out'}  {question}")
    print(
        f"\nthreshold {result.threshold:.3f} (balanced accuracy {result.balanced_accuracy:.2f}; lowest in-scope "
        f"{result.lowest_in_scope:.3f}, highest out-of-scope {result.highest_out_of_scope:.3f}); "
        f"stored: ASSISTANT_ABSTAIN_BELOW={settings.abstain_below}"
    )


if __name__ == "__main__":
    main()
