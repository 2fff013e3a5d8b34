"""`assistant ingest` as a user runs it: real model, real store, the settings from the environment."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from launch.cli import app
from tests.conftest import ARTICLE

pytestmark = pytest.mark.integration
runner = CliRunner()
ARTICLE_NAME = ARTICLE.name


def stored_sources() -> list[str]:
    """The sources in the index that the CLI just wrote (settings from the environment)."""
    from assistant.composition import build_store
    from assistant.settings import Settings

    return sorted(build_store(Settings()).sources())


def failure_line(name: str, reason: str, result) -> bool:
    """The progress line for a refused file (stderr is not a terminal under CliRunner)."""
    pattern = rf"^{re.escape(name)}: failed \(\d+\.\d s\): {re.escape(reason)}"
    return re.search(pattern, result.stderr, re.MULTILINE) is not None


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
    assert "1 of 2 files could not be ingested (broken.txt: " in result.output
    assert "the other one was." in result.output
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
    from tests.processes import free_port

    monkeypatch.setenv("ASSISTANT_CHROMA_URL", f"http://127.0.0.1:{free_port()}")  # nothing listens there
    result = runner.invoke(app, command)
    assert result.exit_code == 1
    assert "cannot reach the Chroma server" in result.output
    assert "Traceback" not in result.output


# -- files from outside the corpus folder (issue 11, item 6) --------------------------------
def test_a_link_leading_outside_is_refused_by_name_and_the_rest_ingested(corpus: Path, tmp_path: Path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("Private notes that are not part of the corpus.\n")
    (corpus / "escape.txt").symlink_to(outside / "secret.txt")
    (corpus / "elsewhere").symlink_to(outside, target_is_directory=True)
    (corpus / "same-article.txt").symlink_to(ARTICLE_NAME)  # stays inside: followed, under its own name

    result = runner.invoke(app, ["ingest"])
    assert result.exit_code == 1, result.output
    assert failure_line("escape.txt", "is a symbolic link that leads outside the corpus folder", result)
    assert failure_line("elsewhere", "is a symbolic link that leads outside the corpus folder", result)
    assert "2 of 4 files could not be ingested" in result.output and "the other 2 were." in result.output
    assert "22 chunks stored" in result.output  # the article, and again through the inside link
    assert str(outside) not in result.output
    assert set(stored_sources()) == {ARTICLE_NAME, "same-article.txt"}


@pytest.mark.parametrize("inside_corpus", [False, True])
def test_a_path_given_outside_the_corpus_is_refused_as_given(corpus: Path, tmp_path: Path, inside_corpus: bool):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "passwd.txt").write_text("root:x:0:0:root:/root:/bin/bash\n")
    given = outside / "passwd.txt" if not inside_corpus else corpus / ".." / "outside"
    result = runner.invoke(app, ["ingest", str(corpus / ARTICLE_NAME), str(given)])
    assert result.exit_code == 1, result.output
    assert failure_line(str(given), "is outside the corpus folder", result)
    assert f"1 of 2 files could not be ingested ({given}: is outside the corpus folder" in result.output
    assert stored_sources() == [ARTICLE_NAME]  # nothing stored under an absolute source


def test_one_file_outside_the_corpus_alone_is_refused_and_nothing_claims_otherwise(corpus: Path, tmp_path: Path):
    """`assistant ingest /etc/hosts` (issue 27): the only file given is refused, by name and
    with the reason; no "the others were" (there were none), no "Version ." with nothing
    after it on an empty index, no "up to date"; exit 1."""
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost\n")
    result = runner.invoke(app, ["ingest", str(hosts)])
    assert result.exit_code == 1, result.output
    # The folder quoted and in full: "outside the corpus folder corpus" read like a typo.
    assert (
        f"Error: nothing was ingested: {hosts}: is outside the corpus folder; copy it to '{corpus.resolve()}'"
        " to ingest it"
    ) in " ".join(result.stderr.split())
    # The table's cell keeps the reason short; the error line has it in full.
    assert "outside the" in result.stdout and "copy it" not in result.stdout
    assert "the others were" not in result.output and "could not be ingested" not in result.output
    assert "Version ." not in result.output and "up to date" not in result.output
    assert "Index unchanged: nothing written (0 chunks stored). The index is empty." in result.stdout
    assert stored_sources() == []

    assert runner.invoke(app, ["ingest"]).exit_code == 0
    again = runner.invoke(app, ["ingest", str(hosts), str(tmp_path / "missing.md")])
    assert again.exit_code == 1
    stderr = " ".join(again.stderr.split())
    assert "nothing was ingested (none of the 2 files could be): " in stderr
    assert f"{tmp_path / 'missing.md'}: file not found" in stderr
    assert "Index unchanged: nothing written (11 chunks stored). Version " in again.stdout


# -- size limit and progress (issue 11, item 12) ------------------------------------------
def test_a_file_over_the_size_limit_is_refused_by_name_until_the_setting_is_raised(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
):
    article = (corpus / ARTICLE_NAME).read_text(encoding="utf-8")
    (corpus / "long-read.txt").write_text(article.replace("Emma", "Noor") * 2, encoding="utf-8")  # ~11.6 kB
    monkeypatch.setenv("ASSISTANT_MAX_FILE_BYTES", "10000")

    refused = runner.invoke(app, ["ingest"])
    assert refused.exit_code == 1, refused.output
    assert failure_line("long-read.txt", "is too large (11,", refused)
    assert "raise ASSISTANT_MAX_FILE_BYTES to ingest it" in refused.stderr
    assert "1 of 2 files could not be ingested (long-read.txt: is too large" in refused.output
    assert "11 chunks stored" in refused.output
    assert stored_sources() == [ARTICLE_NAME]

    monkeypatch.setenv("ASSISTANT_MAX_FILE_BYTES", "20000")
    admitted = runner.invoke(app, ["ingest"])
    assert admitted.exit_code == 0, admitted.output
    assert set(stored_sources()) == {ARTICLE_NAME, "long-read.txt"}


def test_progress_is_one_line_per_file_on_stderr_when_not_a_terminal(corpus: Path):
    (corpus / "broken.txt").write_bytes(b"caf\xe9")
    result = subprocess.run(
        [sys.executable, "-m", "launch", "ingest"],
        capture_output=True,  # pipes, not a terminal: a Rich bar would print nothing here
        text=True,
        env={**os.environ},
        timeout=600,
    )
    assert result.returncode == 1, result.stderr
    assert failure_line("broken.txt", "is not UTF-8 text (bad byte at position 3)", result)
    lines = result.stderr.splitlines()
    started = lines.index(f"{ARTICLE_NAME}: started, 11 chunk(s)")
    done = re.compile(rf"{re.escape(ARTICLE_NAME)}: added, 11 chunk\(s\) in \d+\.\d s")
    finished = [i for i, line in enumerate(lines) if done.fullmatch(line)]
    assert finished and finished[0] > started, result.stderr
    assert "started" not in result.stdout and "Ingest summary" in result.stdout


def test_file_names_cannot_forge_progress_lines_or_inject_markup():
    import io

    from rich.console import Console

    from ingest.ingestor import FileResult, IngestReport
    from launch.ingest_printout import IngestProgressLines, print_report

    out = io.StringIO()
    console = Console(file=out, width=40)  # a narrow log: lines are still not wrapped
    assert not console.is_interactive
    failed = FileResult("evil\nfake.txt: added, 1 chunk(s) in 0.1 s[red]", "failed", error="is empty [bold]x[/]")
    IngestProgressLines(console).file_finished(failed, 0.0)
    lines = out.getvalue().splitlines()
    assert lines == [r"evil\nfake.txt: added, 1 chunk(s) in 0.1 s[red]: failed (0.0 s): is empty [bold]x[/]"]

    table = io.StringIO()
    print_report(Console(file=table, width=300), IngestReport(files=[failed]), total_chunks=0)
    assert "in 0.1 s[red]" in table.getvalue() and "is empty [bold]x[/]" in table.getvalue()
