"""Processes started from the outside (`chroma run`, `assistant serve`, llama.cpp's server) and
the one way to wait for them: poll the process's own state against a deadline. There is no
event to wait on across a process boundary, so a poll at a fixed pace is the synchronisation,
and a process that exits early is reported at once with the end of its log.

The soak (evals/soak.py) and the tests (tests/processes.py) both start their processes here.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

__all__ = [
    "LaunchError",
    "answers_200",
    "chroma_argv",
    "chroma_heartbeat",
    "free_port",
    "launched",
    "llama_server_argv",
    "rss_bytes",
    "tool",
    "wait_until",
]

POLL_S = 0.1  # the pace of a poll, not a guess at how long something takes


class LaunchError(RuntimeError):
    """A process did not become ready: it exited, or the limit passed."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tool(name: str) -> str:
    """A console script of this venv (chroma, assistant), else one on PATH."""
    beside = Path(sys.executable).with_name(name)
    return str(beside) if beside.exists() else shutil.which(name) or name


def wait_until(condition: Callable[[], bool], what: str, limit_s: float = 60.0) -> None:
    """Poll a condition on something we do not control until it holds; LaunchError past the limit."""
    deadline = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() > deadline:
            raise LaunchError(f"timed out after {limit_s:.0f} s waiting for {what}")
        time.sleep(POLL_S)


def answers_200(url: str) -> Callable[[], bool]:
    def probe() -> bool:
        try:
            return httpx.get(url, timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    return probe


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def launched(
    argv: list[str],
    ready: Callable[[], bool],
    log_path: Path,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    limit_s: float = 180.0,
) -> Iterator[subprocess.Popen]:
    """Start a process, yield it once ``ready()`` holds, and stop it afterwards (on any exit)."""
    log = log_path.open("a")
    process = subprocess.Popen(argv, env={**os.environ, **(env or {})}, stdout=log, stderr=subprocess.STDOUT, cwd=cwd)
    try:
        name = Path(argv[0]).name
        wait_until(lambda: ready() or process.poll() is not None, f"{name} to start", limit_s)
        if process.poll() is not None:
            tail = log_path.read_text(errors="replace")[-2000:]
            raise LaunchError(f"{name} exited with {process.returncode}; its log {log_path}:\n{tail}")
        yield process
    finally:
        _stop(process)
        log.close()


def chroma_argv(folder: Path, port: int) -> list[str]:
    return [tool("chroma"), "run", "--path", str(folder), "--host", "127.0.0.1", "--port", str(port)]


def chroma_heartbeat(port: int) -> Callable[[], bool]:
    return answers_200(f"http://127.0.0.1:{port}/api/v2/heartbeat")


def llama_server_argv(gguf: Path, port: int, alias: str, threads: int) -> list[str]:
    """llama-cpp-python's OpenAI-compatible server on loopback, serving one GGUF under an alias."""
    return [
        sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--model_alias", alias,
        "--host", "127.0.0.1", "--port", str(port),
        "--n_threads", str(threads), "--n_threads_batch", str(threads),
    ]  # fmt: skip


def rss_bytes(pid: int) -> int:
    """Resident memory of a live process, from /proc/<pid>/status (VmRSS, in kB there)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise LaunchError(f"process {pid} has no VmRSS (a zombie?)")
