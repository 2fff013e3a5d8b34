"""The stored abstention threshold must still be what the calibration questions say."""

import pytest

from assistant.settings import Settings
from evals.calibrate import calibrate, calibration_questions, load_questions, tuning_questions
from evals.dataset import load_cases

pytestmark = pytest.mark.integration


def test_stored_threshold_matches_a_fresh_calibration(make_service):
    stored = Settings(_env_file=None).abstain_below
    result = calibrate(make_service().evidence, calibration_questions())
    assert result.balanced_accuracy >= 0.9  # 0.95 when calibrated (2026-11-30)
    assert abs(result.threshold - stored) < 0.02, f"re-calibrated threshold {result.threshold}, stored {stored}"


@pytest.mark.parametrize("questions", [load_questions, tuning_questions], ids=["calibration.jsonl", "tuning"])
def test_calibration_never_sees_the_locked_split(questions):
    locked = {c.question.casefold() for c in load_cases(split="locked")}
    chosen = questions()
    assert chosen and not locked & {q.casefold() for q, _ in chosen}
