"""Processes the tests start (`chroma run`, `assistant serve`, an LLM server), through the one
launcher of evals/processes.py; here a process that does not start fails the test."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from evals.processes import (
    LaunchError,
    answers_200,
    chroma_argv,
    chroma_heartbeat,
    free_port,
    launched,
    llama_server_argv,
    tool,
    wait_until,
)

__all__ = [
    "answers_200",
    "chroma_argv",
    "chroma_heartbeat",
    "chroma_server",
    "free_port",
    "llama_server_argv",
    "started",
    "tool",
    "wait_for",
]


def wait_for(condition: Callable[[], bool], what: str, limit_s: float = 60.0) -> None:
    """Poll a condition on something we do not control until it holds; fail past the limit."""
    try:
        wait_until(condition, what, limit_s)
    except LaunchError as error:
        pytest.fail(str(error))


@contextmanager
def started(argv: list[str], ready: Callable[[], bool], log_path: Path, **options: Any) -> Iterator[subprocess.Popen]:
    """Start a process, yield it once ``ready()`` holds, and stop it afterwards (options: env, cwd,
    limit_s, as evals.processes.launched takes them)."""
    try:
        with launched(argv, ready, log_path, **options) as process:
            yield process
    except LaunchError as error:  # it exited early, or never became ready
        pytest.fail(str(error))


@contextmanager
def chroma_server(folder: Path, log_dir: Path, port: int | None = None) -> Iterator[str]:
    """A real `chroma run` on a loopback port, storing in folder; yields its URL."""
    port = port or free_port()
    with started(chroma_argv(folder, port), chroma_heartbeat(port), log_dir / f"chroma-{port}.log", limit_s=60):
        yield f"http://127.0.0.1:{port}"
