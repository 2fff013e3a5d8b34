"""`assistant eval` as a user runs it (the extractive backend keeps it quick; the embedded
backend's run is tests/evals/test_suite.py)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from launch.cli import app

pytestmark = pytest.mark.integration
runner = CliRunner()


def test_eval_writes_the_report(corpus, tmp_path):
    assert runner.invoke(app, ["ingest"]).exit_code == 0
    result = runner.invoke(app, ["eval", "--backend", "extractive", "--report", str(tmp_path / "report")])
    assert result.exit_code == 0, result.output
    assert "latency p50/p95" in result.output and "Report:" in result.output
    assert "Guard on the locked half of its labelled set: faithful accepted" in " ".join(result.output.split())
    for name in ("report.md", "report.json", "metrics_by_category.png"):
        assert (tmp_path / "report" / name).exists()
    assert json.loads((tmp_path / "report" / "report.json").read_text())["backend"] == "extractive"


def test_eval_refuses_an_unknown_backend(corpus):
    result = runner.invoke(app, ["eval", "--backend", "gpt-17"])
    assert result.exit_code == 2
    assert "unknown backend 'gpt-17'" in result.output
