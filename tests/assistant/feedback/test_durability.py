"""Acknowledged ratings survive the process being killed mid-write (SIGKILL: no cleanup, no
flush, no close): a real Python process writes through the real store while the test reads
its acknowledgements off the pipe."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.integration

ACKNOWLEDGED = 300  # ratings seen acknowledged before the kill


def test_every_acknowledged_rating_survives_a_sigkill_and_the_file_is_intact(tmp_path):
    path = tmp_path / "feedback.sqlite3"
    writer = subprocess.Popen(
        [sys.executable, "-m", "tests.assistant.feedback.rating_writer", str(path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    acknowledged: list[str] = []
    try:
        while len(acknowledged) < ACKNOWLEDGED:
            line = writer.stdout.readline()  # blocks until the writer acknowledges the next one
            assert line, f"the writer stopped: {writer.wait(timeout=30)} {writer.stderr.read()[-2000:]}"
            acknowledged.append(line.strip())
        writer.send_signal(signal.SIGKILL)  # while it is writing the next ones
        writer.wait(timeout=30)
        # What it acknowledged between our last read and the kill is in the pipe: owed too.
        acknowledged += [line.strip() for line in writer.stdout.read().splitlines() if line.strip()]
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait(timeout=30)
        writer.stdout.close()
        writer.stderr.close()
    assert writer.returncode == -signal.SIGKILL

    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        rated = dict(db.execute("SELECT a.id, f.rating FROM answers AS a JOIN feedback AS f ON f.answer_id = a.id"))
    finally:
        db.close()
    missing = [answer_id for answer_id in acknowledged if answer_id not in rated]
    assert not missing, f"{len(missing)} of {len(acknowledged)} acknowledged ratings are lost"
    assert len(set(acknowledged)) == len(acknowledged) >= ACKNOWLEDGED
