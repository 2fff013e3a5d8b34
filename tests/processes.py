"""Processes the tests start (`chroma run`, `assistant serve`, an LLM server), through the one
launcher of evals/processes.py; here a process that does not start fails the test."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import threading
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
    "interrupted_mid_answer",
    "uvicorn_in_thread",
    "answers_200",
    "chroma_argv",
    "chroma_heartbeat",
    "chroma_server",
    "free_port",
    "llama_server_argv",
    "log_lines_once_logged",
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


def log_lines_once_logged(log_path: Path, request_ids: set[str]) -> list[str]:
    """The lines of `assistant serve`'s log, read once each of these requests has its line
    there (``request_id=<id> ...``). A request's line is written just after its response is
    sent, so a client may read the log a moment early: this waits for the lines themselves
    (a poll of a file another process writes, failing the test past the limit), never for a
    guessed time."""

    def lines() -> list[str]:
        return log_path.read_text(encoding="utf-8", errors="replace").splitlines()

    def logged() -> set[str]:
        return {line.split("request_id=", 1)[1].split(" ", 1)[0] for line in lines() if "request_id=" in line}

    wait_for(lambda: request_ids <= logged(), f"{log_path} to hold the lines of {len(request_ids)} request(s)")
    return lines()


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


@contextmanager
def uvicorn_in_thread(config: Any, limit_s: float = 60.0) -> Iterator[Any]:
    """A uvicorn server (from its uvicorn.Config) in a thread of this process, yielded once it
    listens (its startup has returned: an event, not a sleep); stopped on the way out."""
    import uvicorn

    server = uvicorn.Server(config)
    started = threading.Event()
    original_startup = server.startup

    async def startup(sockets=None) -> None:
        await original_startup(sockets)
        started.set()

    server.startup = startup
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    assert started.wait(limit_s), "uvicorn did not start"
    try:
        yield server
    finally:
        server.should_exit = True
        thread.join(30)


def interrupted_mid_answer(process: subprocess.Popen) -> tuple[bytes, bytes]:
    """Ctrl-C for a CLI process once its answer has started to stream: (stdout, stderr) after
    it exits. The first read blocks until the answer's first bytes, so the interrupt always
    lands mid-answer; a process that does not exit in a minute is killed."""
    try:
        first = os.read(process.stdout.fileno(), 65536)  # blocks until the answer starts streaming
        assert first, process.stderr.read().decode()
        process.send_signal(signal.SIGINT)
        rest, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return first + rest, stderr
