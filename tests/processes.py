"""Processes the tests start (`chroma run`, `assistant serve`, an LLM server) and the one way
to wait for them: poll the process's own state against a deadline. There is no event to
wait on across a process boundary, so a poll at a fixed pace is the synchronisation, and a
process that exits early fails the test at once with the end of its log.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

__all__ = [
    "answers_200",
    "chroma_argv",
    "chroma_heartbeat",
    "chroma_server",
    "free_port",
    "started",
    "tool",
    "wait_for",
]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tool(name: str) -> str:
    """A console script of this venv (chroma, assistant), else one on PATH."""
    beside = Path(sys.executable).with_name(name)
    return str(beside) if beside.exists() else shutil.which(name) or name


def wait_for(condition: Callable[[], bool], what: str, limit_s: float = 60.0) -> None:
    """Poll a condition on something we do not control until it holds; fail past the limit."""
    deadline = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {limit_s:.0f} s waiting for {what}")
        time.sleep(0.1)  # the pace of the poll, not a guess at how long something takes


def answers_200(url: str) -> Callable[[], bool]:
    def probe() -> bool:
        try:
            return httpx.get(url, timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    return probe


@contextmanager
def started(
    argv: list[str],
    ready: Callable[[], bool],
    log_path: Path,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    limit_s: float = 180.0,
) -> Iterator[subprocess.Popen]:
    """Start a process, yield it once ``ready()`` holds, and stop it afterwards."""
    log = log_path.open("a")
    process = subprocess.Popen(argv, env={**os.environ, **(env or {})}, stdout=log, stderr=subprocess.STDOUT, cwd=cwd)
    try:
        name = Path(argv[0]).name
        wait_for(lambda: ready() or process.poll() is not None, f"{name} to start", limit_s)
        if process.poll() is not None:
            pytest.fail(f"{name} exited with {process.returncode}; its log {log_path}:\n{log_path.read_text()[-2000:]}")
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()


def chroma_argv(folder: Path, port: int) -> list[str]:
    return [tool("chroma"), "run", "--path", str(folder), "--host", "127.0.0.1", "--port", str(port)]


def chroma_heartbeat(port: int) -> Callable[[], bool]:
    return answers_200(f"http://127.0.0.1:{port}/api/v2/heartbeat")


@contextmanager
def chroma_server(folder: Path, log_dir: Path, port: int | None = None) -> Iterator[str]:
    """A real `chroma run` on a loopback port, storing in folder; yields its URL."""
    port = port or free_port()
    with started(chroma_argv(folder, port), chroma_heartbeat(port), log_dir / f"chroma-{port}.log", limit_s=60):
        yield f"http://127.0.0.1:{port}"
