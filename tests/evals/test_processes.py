"""The one process launcher: a process that exits before it is ready is reported with its log,
one that never gets ready past the limit too, and one that started is stopped afterwards."""

from __future__ import annotations

import subprocess
import sys

import pytest

import evals.processes
from evals.processes import LaunchError, launched, rss_bytes


def test_a_process_that_exits_early_is_reported_with_its_log(tmp_path):
    argv = [sys.executable, "-c", "print('no port for me'); raise SystemExit(3)"]
    starting = launched(argv, lambda: False, tmp_path / "log.txt", limit_s=60)
    with pytest.raises(LaunchError, match=r"exited with 3(.|\n)*no port for me"), starting:
        pass


def test_a_process_that_never_gets_ready_is_stopped(tmp_path, monkeypatch):
    started: list[subprocess.Popen] = []

    class Recorded(subprocess.Popen):  # the real Popen, noted so the test can see the process
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            started.append(self)

    monkeypatch.setattr(evals.processes.subprocess, "Popen", Recorded)
    argv = [sys.executable, "-c", "import time; time.sleep(600)"]
    starting = launched(argv, lambda: False, tmp_path / "log.txt", limit_s=0.2)
    try:
        with pytest.raises(LaunchError, match="timed out after 0 s"), starting:
            pass
        (process,) = started
        assert process.returncode is not None  # stopped and reaped, not left sleeping
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
                process.wait()


def test_a_ready_process_is_stopped_when_the_block_ends(tmp_path):
    argv = [sys.executable, "-c", "import time; time.sleep(600)"]
    with launched(argv, lambda: True, tmp_path / "log.txt") as process:
        assert rss_bytes(process.pid) > 0
    assert process.poll() is not None


# Maps 256 MiB, then touches every page of it, reporting each step on stdout and waiting
# for a line on stdin before the next: the test reads the child's RSS between the steps.
TOUCHER = """
import mmap, sys
size = 256 << 20
print("started", flush=True); sys.stdin.readline()
block = mmap.mmap(-1, size)
print("mapped", flush=True); sys.stdin.readline()
for offset in range(0, size, mmap.PAGESIZE):
    block[offset] = 1
print("touched", flush=True); sys.stdin.readline()
"""


def test_rss_is_the_memory_a_process_holds_resident_in_bytes():
    child = subprocess.Popen(
        [sys.executable, "-c", TOUCHER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        rss = {}
        for step in ("started", "mapped", "touched"):
            assert child.stdout.readline().strip() == step  # the child is between two steps
            rss[step] = rss_bytes(child.pid)
            child.stdin.write("\n")
            child.stdin.flush()
        assert child.wait(timeout=60) == 0
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert rss["mapped"] - rss["started"] < 16 << 20  # mapped but never touched: not resident
    assert rss["touched"] - rss["mapped"] >= 200 << 20  # every page written (256 MiB): resident, counted in bytes
