from evals.dataset import load_cases
from evals.metrics import context_precision, first_relevant_rank, key_point_recall, percentile
from evals.thresholds import check


def test_ranks_and_context_precision():
    sections = ["Intro", "Q & A > Myths", "Staff engineer", "Q & A > Myths x"]
    assert first_relevant_rank(sections, ["Q & A > Myths"]) == 2
    assert first_relevant_rank(sections, ["Nope"]) is None
    # relevant at ranks 2 and 4: (1/2 + 2/4) / 2
    assert context_precision(sections, ["Q & A > Myths"]) == 0.5


def test_key_points_and_percentiles():
    assert key_point_recall(["myth", "raise"], "It is a myth.") == 0.5
    assert key_point_recall([], "anything") == 1.0
    assert percentile([5, 1, 3, 2, 4], 50) == 3 and percentile([5, 1, 3, 2, 4], 95) == 5


def test_dataset_keeps_the_articles_own_questions():
    cases = load_cases()
    gold = [c for c in cases if c.category == "gold"]
    assert len(gold) >= 40
    for item in gold:
        paraphrases = [c for c in cases if c.category == "paraphrase" and c.item == item.id]
        assert paraphrases and item.sections and item.key_points and item.reference
    assert any(c.category == "injection" for c in cases) and any(c.history for c in cases)


def test_known_gaps_block_only_a_regression(tmp_path):
    thresholds = tmp_path / "t.yaml"
    thresholds.write_text(
        "embedded:\n  key_point_recall: {min: 0.8, known_gap: {measured: 0.7, note: small model}}\n"
        "  contradictions: {max: 0}\n"
    )
    verdicts = {v.metric: v for v in check({"key_point_recall": 0.72, "contradictions": 0}, "embedded", thresholds)}
    assert verdicts["key_point_recall"].status == "known gap" and not verdicts["key_point_recall"].blocks_ci
    assert verdicts["contradictions"].status == "pass"
    worse = check({"key_point_recall": 0.6, "contradictions": 1}, "embedded", thresholds)
    assert [v.status for v in worse] == ["regression", "fail"]


def test_the_guard_bars_hold_for_every_backend_once_the_guard_is_measured(tmp_path):
    thresholds = tmp_path / "t.yaml"
    thresholds.write_text(
        "extractive:\n  contradictions: {max: 0}\n"
        "guard:\n  guard_false_accept: {max: 0.01, known_gap: {measured: 0.2}}\n  guard_accepted_echo: {max: 0}\n"
    )
    measured = {"contradictions": 0, "guard_false_accept": 0.25, "guard_accepted_echo": 0.0}
    verdicts = {v.metric: v.status for v in check(measured, "extractive", thresholds)}
    assert verdicts == {"contradictions": "pass", "guard_false_accept": "regression", "guard_accepted_echo": "pass"}
    assert {v.metric for v in check(measured, "gguf", thresholds)} == {"guard_false_accept", "guard_accepted_echo"}
    assert {v.metric for v in check(measured, None, thresholds)} == {"guard_false_accept", "guard_accepted_echo"}
    # Not measured (a run without the guard): its bars are not checked.
    assert [v.metric for v in check({"contradictions": 0}, "extractive", thresholds)] == ["contradictions"]
