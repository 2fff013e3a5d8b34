"""Write a soak's figures: soak.json (everything) and soak.md (the table a person reads)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from evals.soak_figures import GAP_S, RSS_DRIFT_LIMIT

__all__ = ["write_soak_report"]

_HEADER = (
    "| setup | requests | statuses | p50 / p95 of 200s (ms) | 200s/s | in-scope 200s/s (p50 / p95 ms) "
    "| 503s (all with Retry-After) | RSS drift | /healthz gaps (failed) | answers by outcome | seconds |\n"
    "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |\n"
)


def _row(run: Mapping) -> str:
    statuses = ", ".join(f"{status}: {count}" for status, count in run["statuses"].items())
    busy = run["busy_503"]
    with_retry = "yes" if not run["busy_503_without_retry_after"] else f"{run['busy_503_without_retry_after']} without"
    health = run["healthz"]
    outcomes = ", ".join(f"{outcome}: {count}" for outcome, count in run.get("outcomes", {}).items())
    return (
        f"| {run['setup']} | {run['requests']} | {statuses} | {run['p50_ms_200']:.0f} / {run['p95_ms_200']:.0f} "
        f"| {run['throughput_200_per_s']:.2f} | {run['in_scope_throughput_200_per_s']:.2f} "
        f"({run['in_scope_p50_ms_200']:.0f} / {run['in_scope_p95_ms_200']:.0f}) | {busy} ({with_retry}) "
        f"| {run['rss_drift_max']:+.1%} | {health['gaps']} of {health['probes']} ({health['failures']}) "
        f"| {outcomes} | {run['seconds']:g} |\n"
    )


def _markdown(settings: Mapping, runs: Sequence[Mapping], problems: Sequence[str]) -> str:
    verdict = "PASSED" if not problems else "FAILED: " + "; ".join(problems)
    lines = [
        "# Soak\n\n",
        f"{settings['clients']} clients for {settings['seconds']:g} s per setup, loopback only; {verdict}.\n\n",
        _HEADER,
        *(_row(run) for run in runs),
        "\n",
        (
            f"A gap is a /healthz that failed or took over {GAP_S:g} s (polled every 0.5 s per replica). "
            f"RSS drift is the largest replica's VmRSS at the end over its VmRSS {settings['warmup_seconds']:g} s "
            f"into the load, minus 1; the two-replica run must stay under {RSS_DRIFT_LIMIT:.0%}. "
            "Throughput counts 200s over the run's seconds: the load's, then the wait for the requests in "
            "flight at its end. In-scope questions are those that need the model (out-of-scope ones abstain "
            "without it, in milliseconds). "
            "Outcomes are the replicas' own count (assistant_answers_total, warm-up included): answered by "
            "the model, fell_back to quotes (the LLM timed out or the guard removed all it wrote), "
            "abstained, busy (503).\n\n"
        ),
        "## Settings\n\n",
        *(f"- `{name}`: {value}\n" for name, value in settings.items()),
    ]
    return "".join(lines)


def write_soak_report(out: Path, settings: Mapping, runs: Sequence[Mapping], problems: Sequence[str]) -> Path:
    """Write both files into ``out``; returns the path of soak.md."""
    out.mkdir(parents=True, exist_ok=True)
    document = {"passed": not problems, "problems": list(problems), "settings": dict(settings), "runs": list(runs)}
    (out / "soak.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    markdown = out / "soak.md"
    markdown.write_text(_markdown(settings, runs, problems), encoding="utf-8")
    return markdown
