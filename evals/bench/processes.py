"""Child processes of the bench: a worker job's JSON, a process's memory, a free port."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from evals.processes import free_port  # one definition, shared with the soak and the tests

__all__ = ["free_port", "rss_mb", "run_worker"]


def run_worker(job: str, env: Mapping[str, str], *extra: str, timeout_s: float = 7200) -> dict:
    """Run ``python -m evals.bench.worker JOB`` with these settings; its JSON plus its wall time."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "evals.bench.worker", job, *extra],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"bench worker '{job}' failed ({done.returncode}): {done.stderr.strip()[-1500:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_seconds"] = round(wall, 2)
    return result


def rss_mb(pid: int) -> dict[str, float]:
    """Resident memory of a live process now (VmRSS) and at its peak so far (VmHWM), in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = round(int(value.split()[0]) / 1024, 1)
    return {"rss_mb": fields.get("VmRSS", 0.0), "peak_rss_mb": fields.get("VmHWM", 0.0)}
