"""`make soak`'s logic: the figures and the verdict from a made-up record, the report, the
command line's refusals, and the load driver against a real `assistant serve` (extractive,
so no model: a short run that counts what happened, never how fast)."""

from __future__ import annotations

import asyncio
import json

import pytest
from typer.testing import CliRunner

from evals.soak import app
from evals.soak_figures import figures, problems
from evals.soak_load import Answer, LoadRecord, Probe, run_load
from evals.soak_report import write_soak_report
from evals.soak_runs import soak_questions
from tests.conftest import LIVE_API_KEY

MB = 2**20


def record(*answers: Answer, probes: tuple[Probe, ...] = (), seconds: float = 10.0) -> LoadRecord:
    return LoadRecord(answers=list(answers), probes=list(probes), seconds=seconds)


def ok(latency_s: float, replica: str = "r1") -> Answer:
    return Answer(replica, 200, latency_s, retry_after=False, in_scope=True)


def test_figures_of_a_clean_run():
    run = figures(
        "two",
        record(
            *(ok(s) for s in (1.0, 2.0, 3.0, 4.0)),
            Answer("r2", 200, 0.05, retry_after=False, in_scope=False),  # an abstention: no model
            Answer("r2", 503, 0.01, retry_after=True, in_scope=True),
            probes=(Probe("r1", True, 0.01), Probe("r2", True, 1.5)),
        ),
        {"r1": (100 * MB, 105 * MB), "r2": (200 * MB, 200 * MB)},
    )
    assert run["requests"] == 6 and run["statuses"] == {"200": 5, "503": 1}
    assert (run["p50_ms_200"], run["p95_ms_200"]) == (2000.0, 4000.0)  # nearest rank, 200s only
    assert run["throughput_200_per_s"] == 0.5  # 5 answers in 10 s
    assert run["in_scope_200"] == 4 and run["in_scope_throughput_200_per_s"] == 0.4
    assert (run["in_scope_p50_ms_200"], run["in_scope_p95_ms_200"]) == (2000.0, 4000.0)
    assert run["busy_503"] == 1 and run["busy_503_without_retry_after"] == 0 and run["unexpected"] == 0
    assert run["healthz"] == {
        "probes": 2,
        "failures": 0,
        "gaps": 1,
        "slowest_ms": 1500.0,
    }  # slow is a gap, not a failure
    assert run["rss_drift"] == {"r1": 0.05, "r2": 0.0} and run["rss_drift_max"] == 0.05
    assert problems(run, check_rss=True) == []


def test_every_bar_is_named_when_broken():
    run = figures(
        "two",
        record(
            ok(1.0),
            Answer("r1", 503, 0.01, retry_after=False, in_scope=True),
            Answer("r1", 504, 120.0, retry_after=False, in_scope=True),
            Answer("r2", "ReadTimeout", 200.0, retry_after=False, in_scope=False),
            probes=(Probe("r1", False, 5.0),),
        ),
        {"r1": (100 * MB, 111 * MB)},
    )
    found = problems(run, check_rss=True)
    assert len(found) == 4, found
    assert "504" in found[0] and "ReadTimeout" in found[0]
    assert "without Retry-After" in found[1] and "/healthz failed 1 times" in found[2] and "RSS drift 11.0%" in found[3]
    assert len(problems(run, check_rss=False)) == 3  # the one-process comparison has no RSS bar


def test_a_run_that_answered_nothing_fails():
    assert problems(figures("none", record(seconds=1.0), {}), check_rss=True) == ["none: no request was answered"]


def test_the_report_has_the_table_and_every_figure(tmp_path):
    run = figures("two", record(ok(1.0), probes=(Probe("r1", True, 0.01),)), {"r1": (100 * MB, 101 * MB)})
    run["outcomes"] = {"answered": 1}
    settings = {"clients": 4, "seconds": 3.0, "warmup_seconds": 1.0}
    markdown = write_soak_report(tmp_path, settings, [run], [])
    text = markdown.read_text()
    assert "PASSED" in text
    assert (
        "| two | 1 | 200: 1 | 1000 / 1000 | 0.10 | 0.10 (1000 / 1000) | 0 (yes) | +1.0% | 0 of 1 (0) | answered: 1 | 10 |"
        in text
    )
    document = json.loads((tmp_path / "soak.json").read_text())
    assert document["passed"] and document["runs"][0]["requests"] == 1


def test_the_questions_mix_in_and_out_of_scope():
    questions = soak_questions()
    assert {in_scope for _, in_scope in questions} == {True, False}
    assert questions == soak_questions()  # the same order every run


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        (["--seconds", "5", "--warmup", "10"], "--warmup"),
        (["--corpus", "/nonexistent"], "--corpus"),
        (["--clients", "0"], "--clients"),
    ],
)
def test_bad_options_exit_2_with_one_message(arguments, named, tmp_path):
    result = CliRunner().invoke(app, [*arguments, "--out", str(tmp_path)])
    assert result.exit_code == 2 and named in result.output
    assert "Traceback" not in result.output and not (tmp_path / "work").exists()


class AnswerClock:
    """The event loop's clock for run_load, moved by answers rather than by the wall: each
    answer moves it on by `step`, and an answer that is not a 200 moves it to the end at
    once (no client then waits on a Retry-After that only the clock could end). The run's
    time line (its end, the warm-up mark, the health polls' pace) then follows what the
    server did, never how fast the machine is."""

    def __init__(self, step: float, end: float) -> None:
        self.now, self.step, self.end = 0.0, step, end

    def answered(self, status: int | str) -> None:
        self.now = self.now + self.step if status == 200 else max(self.now, self.end)


@pytest.mark.integration
def test_the_load_asks_every_replica_and_polls_health(live_extractive_server, monkeypatch):
    import evals.soak_load

    base, _ = live_extractive_server
    clients, seconds, answers_to_end = 3, 2.0, 4  # the clock reaches `seconds` with the 4th answer
    clock = AnswerClock(seconds / answers_to_end, seconds)
    real_ask = evals.soak_load._ask

    async def ask_and_tick(*args, **kwargs):
        status, retry_after = await real_ask(*args, **kwargs)
        clock.answered(status)
        return status, retry_after

    monkeypatch.setattr(evals.soak_load, "_ask", ask_and_tick)
    warmed = []

    async def load():
        asyncio.get_running_loop().time = lambda: clock.now  # timers and timeouts on this clock too
        return await run_load(
            {"a": base, "b": base},  # one server under two names: round-robin must reach both
            [("Do staff engineers only write code?", True), ("How do I bake banana bread?", False)],
            clients=clients,
            seconds=seconds,
            request_timeout_s=120,
            warmup_s=seconds / 4,
            at_warm_up=lambda: warmed.append(True),
            headers={"Authorization": f"Bearer {LIVE_API_KEY}"},
        )

    record = asyncio.run(load())
    assert {a.status for a in record.answers} == {200}
    # No request starts once the time is up; those in flight then are waited for: the 4th
    # answer ends the run, and at most the other clients' requests were still on their way.
    assert answers_to_end <= len(record.answers) <= answers_to_end + clients - 1
    replicas = [a.replica for a in record.answers]
    assert abs(replicas.count("a") - replicas.count("b")) <= 1  # round-robin across both
    scopes = [a.in_scope for a in record.answers]
    assert abs(scopes.count(True) - scopes.count(False)) <= 1  # and through the questions
    assert {p.replica for p in record.probes} == {"a", "b"} and all(p.ok for p in record.probes)
    assert warmed == [True] and record.seconds >= seconds
