"""`assistant bench --quick`: a smoke run of the whole bench with the real parts.

It checks that the report is written and holds every section with numbers for every size.
Speed is what the bench reports, never what a test asserts.
"""

from __future__ import annotations

import json
import numbers

import pytest
from typer.testing import CliRunner

from evals.bench.report import SECTIONS
from launch.cli import app

runner = CliRunner()


def _numbers(value) -> list[float]:
    if isinstance(value, bool):
        return []
    if isinstance(value, numbers.Number):
        return [value]
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    return []


@pytest.mark.integration
@pytest.mark.timeout(3600)  # minutes on a quiet machine; other runs share its 2 cores
def test_bench_quick_writes_every_section_with_numbers(tmp_path, corpus):
    # isolated_settings has chdir'd to tmp_path (no .env of the working copy) and pointed
    # ASSISTANT_CORPUS_DIR at `corpus`: the article alone, whatever else corpus/ holds.
    out = tmp_path / "bench"
    result = runner.invoke(app, ["bench", "--quick", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "bench.md").is_file() and (out / "bench.png").is_file()
    report = json.loads((out / "bench.json").read_text())
    assert [s["target"] for s in report["sizes"]] == [11, 200]
    for size in report["sizes"]:
        for section in SECTIONS:
            assert _numbers(size[section]), f"{section} of {size['target']} holds no number"
        assert size["ingest"]["rerun_writes"] == 0  # an unchanged corpus writes nothing
        assert size["answers"]["quality"]["in_scope"] == size["peer"]["quality"]["in_scope"] > 0
        assert size["server"]["ask_16"]["requests"] > 0
    assert report["sizes"][1]["corpus"]["chunks"] >= 200 > report["sizes"][0]["corpus"]["chunks"]
    markdown = (out / "bench.md").read_text()
    for heading in ("## Ingestion", "## Retrieval", "## Quality", "## Answers", "## Server"):
        assert heading in markdown


@pytest.mark.parametrize("sizes", ["eleven", "0", "11,,x", "200000"])
def test_bench_refuses_bad_sizes_with_a_message(sizes, tmp_path):
    result = runner.invoke(app, ["bench", "--sizes", sizes, "--out", str(tmp_path / "b")])
    assert result.exit_code == 2
    assert "--sizes" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "b").exists()


def test_bench_refuses_an_out_that_is_a_file(tmp_path):
    target = tmp_path / "taken"
    target.write_text("x")
    result = runner.invoke(app, ["bench", "--quick", "--out", str(target)])
    assert result.exit_code == 2, result.output
    assert "is a file" in result.output
