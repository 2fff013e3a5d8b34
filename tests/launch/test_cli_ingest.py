"""`assistant ingest` as a user runs it: real model, real store, the settings from the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from launch.cli import app

pytestmark = pytest.mark.integration
runner = CliRunner()


def test_ingest_then_reingest_reports_zero_writes(corpus: Path):
    first = runner.invoke(app, ["ingest"])
    assert first.exit_code == 0, first.output
    assert "Ingest summary" in first.output
    assert "Index updated: 11 write(s), 11 chunks stored." in first.output

    second = runner.invoke(app, ["ingest"])
    assert second.exit_code == 0, second.output
    assert "Index up to date: nothing written (11 chunks stored)." in second.output


def test_a_bad_file_is_named_the_rest_ingested_and_the_exit_code_non_zero(corpus: Path):
    (corpus / "broken.txt").write_bytes(b"\xff\xfe\x00\x00")
    result = runner.invoke(app, ["ingest"])
    assert result.exit_code == 1
    assert "broken.txt" in result.output
    assert "1 file(s) could not be ingested" in result.output
    assert "11 chunks stored" in result.output


def test_missing_corpus_folder_is_a_clear_error(tmp_path: Path):
    result = runner.invoke(app, ["ingest"])
    assert result.exit_code == 1
    assert "corpus folder" in result.output and "does not exist" in result.output


def test_invalid_setting_is_a_clear_error(corpus: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ASSISTANT_CHUNK_SIZE", "lots")
    result = runner.invoke(app, ["ingest"])
    assert result.exit_code == 2
    assert "ASSISTANT_CHUNK_SIZE" in result.output
    assert "Traceback" not in result.output


def test_module_entry_point_and_help():
    env = {**os.environ}
    result = subprocess.run(
        [sys.executable, "-m", "launch", "--help"], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0
    assert "ingest" in result.stdout


@pytest.mark.parametrize("command", [["ingest"], ["ask", "Do staff engineers only write code?"]])
def test_an_unreachable_chroma_server_is_a_clear_error(corpus: Path, monkeypatch: pytest.MonkeyPatch, command):
    from tests.conftest import free_port

    monkeypatch.setenv("ASSISTANT_CHROMA_URL", f"http://127.0.0.1:{free_port()}")  # nothing listens there
    result = runner.invoke(app, command)
    assert result.exit_code == 1
    assert "cannot reach the Chroma server" in result.output
    assert "Traceback" not in result.output
