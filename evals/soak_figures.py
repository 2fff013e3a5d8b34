"""The figures of one soak setup, from its load record and memory samples, and what in them
fails the soak."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from evals.metrics import percentile
from evals.soak_load import LoadRecord

__all__ = ["GAP_S", "RSS_DRIFT_LIMIT", "figures", "problems"]

GAP_S = 1.0  # a /healthz slower than this counts as a gap, like one that failed
RSS_DRIFT_LIMIT = 0.10  # end / after warm-up - 1, per replica, in the two-replica run


def figures(setup: str, record: LoadRecord, rss: Mapping[str, tuple[int, int]]) -> dict:
    """rss: replica -> (bytes after warm-up, bytes at the end)."""
    answers = record.answers
    statuses = Counter(str(a.status) for a in answers)
    latencies_ms = [a.latency_s * 1000 for a in answers if a.status == 200]
    # In-scope questions are the ones that need the model; out-of-scope ones abstain without it.
    in_scope_ms = [a.latency_s * 1000 for a in answers if a.status == 200 and a.in_scope]
    busy = [a for a in answers if a.status == 503]
    drifts = {name: end / warm - 1 for name, (warm, end) in rss.items()}
    return {
        "setup": setup,
        "requests": len(answers),
        "in_scope_requests": sum(a.in_scope for a in answers),
        "statuses": dict(sorted(statuses.items())),
        "p50_ms_200": round(percentile(latencies_ms, 50), 1),
        "p95_ms_200": round(percentile(latencies_ms, 95), 1),
        "throughput_200_per_s": round(len(latencies_ms) / record.seconds, 3) if record.seconds else 0.0,
        "in_scope_200": len(in_scope_ms),
        "in_scope_p50_ms_200": round(percentile(in_scope_ms, 50), 1),
        "in_scope_p95_ms_200": round(percentile(in_scope_ms, 95), 1),
        "in_scope_throughput_200_per_s": round(len(in_scope_ms) / record.seconds, 3) if record.seconds else 0.0,
        "seconds": round(record.seconds, 1),
        "busy_503": len(busy),
        "busy_503_without_retry_after": sum(not a.retry_after for a in busy),
        "unexpected": sum(a.status not in (200, 503) for a in answers),
        "healthz": {
            "probes": len(record.probes),
            "failures": sum(not p.ok for p in record.probes),
            "gaps": sum(not p.ok or p.latency_s > GAP_S for p in record.probes),
            "slowest_ms": round(max((p.latency_s for p in record.probes), default=0.0) * 1000, 1),
        },
        "rss_mb": {name: {"after_warm_up": warm / 2**20, "end": end / 2**20} for name, (warm, end) in rss.items()},
        "rss_drift": {name: round(drift, 4) for name, drift in drifts.items()},
        "rss_drift_max": round(max(drifts.values(), default=0.0), 4),
    }


def problems(run: Mapping, check_rss: bool) -> list[str]:
    """One line per reason this setup fails the soak; empty when it passes."""
    found = []
    setup = run["setup"]
    others = {s: n for s, n in run["statuses"].items() if s not in ("200", "503")}
    if others:
        found.append(f"{setup}: statuses other than 200 and 503: {others}")
    if run["busy_503_without_retry_after"]:
        found.append(f"{setup}: {run['busy_503_without_retry_after']} responses 503 without Retry-After")
    if run["healthz"]["failures"]:
        found.append(f"{setup}: /healthz failed {run['healthz']['failures']} times")
    if check_rss and run["rss_drift_max"] >= RSS_DRIFT_LIMIT:
        found.append(f"{setup}: RSS drift {run['rss_drift_max']:.1%} >= {RSS_DRIFT_LIMIT:.0%} ({run['rss_drift']})")
    if not run["requests"]:
        found.append(f"{setup}: no request was answered")
    return found
