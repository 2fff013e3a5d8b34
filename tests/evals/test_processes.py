"""The one process launcher: a process that exits before it is ready is reported with its log,
one that never gets ready past the limit too, and one that started is stopped afterwards."""

from __future__ import annotations

import os
import sys

import pytest

from evals.processes import LaunchError, launched, rss_bytes


def test_a_process_that_exits_early_is_reported_with_its_log(tmp_path):
    argv = [sys.executable, "-c", "print('no port for me'); raise SystemExit(3)"]
    starting = launched(argv, lambda: False, tmp_path / "log.txt", limit_s=60)
    with pytest.raises(LaunchError, match=r"exited with 3(.|\n)*no port for me"), starting:
        pass


def test_a_process_that_never_gets_ready_is_stopped(tmp_path):
    argv = [sys.executable, "-c", "import time; time.sleep(600)"]
    starting = launched(argv, lambda: False, tmp_path / "log.txt", limit_s=0.2)
    with pytest.raises(LaunchError, match="timed out after 0 s"), starting:
        pass


def test_a_ready_process_is_stopped_when_the_block_ends(tmp_path):
    argv = [sys.executable, "-c", "import time; time.sleep(600)"]
    with launched(argv, lambda: True, tmp_path / "log.txt") as process:
        assert rss_bytes(process.pid) > 0
    assert process.poll() is not None


def test_rss_of_this_process():
    assert rss_bytes(os.getpid()) > 10 * 2**20
