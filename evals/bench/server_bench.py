"""The real `assistant serve` on a loopback port: cold start, memory, throughput.

The server runs the extractive backend: throughput then measures the answer path's own
work (retrieval, evidence, quotes, HTTP), not one LLM generation at a time, which the
answer bench measures. Each figure has its floor from the same run: start-up (timed
without and with the snapshot a server saves) against a process that loads only the
embedding model and the stored chunks (evals.bench.worker load-floor), and /v1/ask's
throughput against /healthz's (the HTTP stack alone) at the same number of clients. Every
question is sent once, so no cache answers for the index.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

from assistant.settings import Settings
from evals.bench.processes import free_port, rss_mb, run_worker
from evals.processes import answers_200, launched, tool

__all__ = ["bench_server"]

@contextmanager
def _serving(env: Mapping[str, str], log: Path, limit_s: float) -> Iterator[tuple[subprocess.Popen, str, float]]:
    """`assistant serve` started; yields the process, its URL and the seconds to /readyz 200."""
    port = free_port()
    argv = [tool("assistant"), "serve", "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    env = {**env, "ASSISTANT_LLM_BACKEND": "extractive"}
    with launched(argv, answers_200(f"{url}/readyz"), log, env=env, limit_s=limit_s) as process:
        yield process, url, time.perf_counter() - started


def _throughput(url: str, path: str, bodies: Sequence[dict | None], clients: int) -> dict:
    """Requests per second with ``clients`` threads sharing the bodies; errors counted."""
    lock = threading.Lock()
    queue = list(reversed(bodies))
    errors = 0

    def work() -> None:
        nonlocal errors
        with httpx.Client(base_url=url, timeout=120) as client:
            while True:
                with lock:
                    if not queue:
                        return
                    body = queue.pop()
                response = client.post(path, json=body) if body is not None else client.get(path)
                if response.status_code != 200:
                    with lock:
                        errors += 1

    threads = [threading.Thread(target=work) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    return {"requests": len(bodies), "errors": errors, "per_s": round(len(bodies) / seconds, 1)}


def bench_server(env: Mapping[str, str], questions: Sequence[str], per_level: int, log: Path) -> dict:
    """``questions``: at least 3 * per_level distinct ones (each is sent once)."""
    started = time.perf_counter()
    floor = run_worker("load-floor", env)
    floor_seconds = time.perf_counter() - started
    levels = (1, 4, 16)
    result: dict = {
        "backend": "extractive",
        "floor_start_s": round(floor_seconds, 2),
        "floor_rss_mb": floor["peak_rss_mb"],
    }
    # The first start over a version builds the server's snapshot of the index and saves it
    # (assistant.snapshot_files); `assistant ingest` saves it too, so a start after an ingest
    # or a restart reads it. Both are timed: without the saved snapshot, then with it.
    shutil.rmtree(Settings(data_dir=Path(env["ASSISTANT_DATA_DIR"])).snapshot_dir, ignore_errors=True)
    with _serving(env, log, limit_s=1800) as (_process, _url, unsaved):
        result["cold_start_unsaved_s"] = round(unsaved, 2)
    with _serving(env, log, limit_s=1800) as (process, url, cold):
        result["cold_start_s"] = round(cold, 2)
        result["start_ratio"] = round(cold / max(floor_seconds, 1e-9), 2)
        result["rss_after_load_mb"] = rss_mb(process.pid)["rss_mb"]
        pool = iter(questions)
        sent = 0
        for clients in levels:
            bodies = [{"question": next(pool)} for _ in range(per_level)]
            result[f"ask_{clients}"] = _throughput(url, "/v1/ask", bodies, clients)
            result[f"healthz_{clients}"] = _throughput(url, "/healthz", [None] * per_level, clients)
            sent += per_level
            if "rss_after_200_mb" not in result and sent >= min(200, per_level * len(levels)):
                result["requests_before_rss"] = sent
                result["rss_after_200_mb"] = rss_mb(process.pid)["rss_mb"]
        memory = rss_mb(process.pid)
        result["rss_after_all_mb"] = memory["rss_mb"]
        result["peak_rss_mb"] = memory["peak_rss_mb"]
    return result
