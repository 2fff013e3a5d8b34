"""Ingestion at one size: a first run, an unchanged re-run, and the floor, each in its own process."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from evals.bench.processes import run_worker

__all__ = ["bench_ingest"]


def bench_ingest(env: Mapping[str, str], floor_folder: Path) -> dict:
    """``env`` points ASSISTANT_CORPUS_DIR and ASSISTANT_DATA_DIR at this size's folders."""
    first = run_worker("ingest", env)
    again = run_worker("ingest", env)  # nothing changed: it must write nothing
    floor = run_worker("ingest-floor", env, "--folder", str(floor_folder))
    return {
        "seconds": first["seconds"],
        "chunks": first["chunks"],
        "chunks_per_s": round(first["chunks"] / max(first["seconds"], 1e-9), 1),
        "peak_rss_mb": first["peak_rss_mb"],
        "failed_files": first["failed"],
        "floor_seconds": floor["seconds"],
        "floor_embed_seconds": floor["embed_seconds"],
        "floor_add_seconds": floor["add_seconds"],
        "floor_peak_rss_mb": floor["peak_rss_mb"],
        "ratio": round(first["seconds"] / max(floor["seconds"], 1e-9), 2),
        "rerun_seconds": again["seconds"],
        "rerun_writes": again["writes"],
        "rerun_share": round(again["seconds"] / max(first["seconds"], 1e-9), 4),
    }
