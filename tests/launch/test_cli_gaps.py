"""`assistant gaps` as a user runs it: the questions stored by the feedback service, grouped
over the session's index of the article, as Markdown or JSON, in a file, and as a chart."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from assistant.answer import Answer
from assistant.feedback import FeedbackService, FeedbackStore
from assistant.gaps import GapReport
from launch.cli import app
from launch.gaps_cli import NOTHING_STORED

runner = CliRunner()
ABSTAINED = [
    "How do I negotiate a higher salary?",
    "How much should I ask for when I get a job offer?",
    "Is it OK to ask my boss for a pay rise after six months?",
    "How do I prepare for a coding interview?",
    "What questions come up in a system design interview?",
    "How do I make banana bread?",
]
DOWN_VOTED = "How do I answer behavioural interview questions?"


def store_questions(path) -> None:
    """Answers kept the way the server keeps them (FB's public API): the abstentions stored
    because questions are logged, one answer stored with a reader's down-vote."""
    feedback = FeedbackService(FeedbackStore(path), log_questions=True)
    try:
        for question in ABSTAINED:
            answer = Answer(
                question=question, standalone_question=question, answer="Not covered.", abstained=True, backend="x"
            )
            feedback.remember(answer)
        rated = Answer(question=DOWN_VOTED, standalone_question=DOWN_VOTED, answer="Be yourself.", backend="x")
        feedback.remember(rated)
        feedback.rate(rated.id, -1, "not what I asked")
    finally:
        feedback.close()


@pytest.fixture
def stored(tmp_path, monkeypatch):
    path = tmp_path / "feedback.sqlite3"
    monkeypatch.setenv("ASSISTANT_FEEDBACK_DB", str(path))
    store_questions(path)
    return path


@pytest.fixture
def on_the_index(index_settings, monkeypatch):
    """The session's index of the article (read only: the feedback file is the test's own)."""
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(index_settings.data_dir))
    monkeypatch.setenv("ASSISTANT_CORPUS_DIR", str(index_settings.corpus_dir))
    return index_settings


def test_no_stored_questions_is_an_empty_report_and_a_note(tmp_path):
    result = runner.invoke(app, ["gaps"])
    assert result.exit_code == 0, result.output
    assert result.stdout == GapReport(total=0, groups=[]).markdown()
    assert NOTHING_STORED.split(":")[0] in " ".join(result.stderr.split())
    assert "ASSISTANT_LOG_QUESTIONS=true" in " ".join(result.stderr.split())
    assert not (tmp_path / "data" / "feedback.sqlite3").exists()  # looking creates no store

    result = runner.invoke(app, ["gaps", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout) == {"total": 0, "groups": [], "left_out": 0}
    assert runner.invoke(app, ["-q", "gaps"]).stderr == ""  # a note: --quiet leaves the result only


@pytest.mark.integration
def test_gaps_prints_the_stored_questions_grouped_in_markdown(stored, on_the_index):
    result = runner.invoke(app, ["gaps"])
    assert result.exit_code == 0, result.output
    markdown = result.stdout
    assert markdown.startswith("# What readers asked that the article does not answer\n")
    assert "7 questions (6 abstained, 1 down-voted)" in markdown
    assert "| # | topic | questions | abstained | down-voted | closest sections |" in markdown
    assert "## 1. " in markdown and "## Each on its own topic" in markdown
    assert all(f"- {q}" in markdown for q in ABSTAINED + [DOWN_VOTED])


@pytest.mark.integration
def test_gaps_json_groups_the_topics(stored, on_the_index, retriever):
    result = runner.invoke(app, ["gaps", "--json"])
    assert result.exit_code == 0, result.output
    report = GapReport.model_validate_json(result.stdout)
    assert report.total == 7 == sum(g.count for g in report.groups)
    placed = {q: i for i, g in enumerate(report.groups) for q in g.examples}
    assert placed[ABSTAINED[0]] == placed[ABSTAINED[1]] == placed[ABSTAINED[2]]  # pay
    assert placed[ABSTAINED[3]] == placed[ABSTAINED[4]] == placed[DOWN_VOTED]  # interviews
    assert report.groups[placed[DOWN_VOTED]].reasons == {"abstained": 2, "down-voted": 1}
    assert report.groups[placed["How do I make banana bread?"]].examples == ["How do I make banana bread?"]
    sections = {d.metadata["section"] for d in retriever.documents.values()}
    assert all(g.closest_sections and set(g.closest_sections) <= sections for g in report.groups)


@pytest.mark.integration
def test_gaps_writes_the_report_and_the_chart_to_files(stored, on_the_index, tmp_path):
    out, chart = tmp_path / "gaps.json", tmp_path / "gaps.png"
    result = runner.invoke(app, ["gaps", "--json", "--out", str(out), "--plot", str(chart)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""  # the report went to the file
    assert GapReport.model_validate_json(out.read_text(encoding="utf-8")).total == 7
    assert chart.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert f"Gap report: {out}" in " ".join(result.stderr.split())


def test_a_chart_in_an_unknown_format_is_bad_input(tmp_path):
    result = runner.invoke(app, ["gaps", "--plot", str(tmp_path / "gaps.gif")])
    assert result.exit_code == 2
    assert "the chart is written as .png, .svg, .pdf" in " ".join(result.stderr.split())


@pytest.mark.integration
def test_stored_questions_without_an_index_say_to_ingest(stored):
    result = runner.invoke(app, ["gaps"])
    assert result.exit_code == 1
    assert "run `assistant ingest`" in result.stderr and "Traceback" not in result.output


@pytest.mark.parametrize("option", ["--out", "--plot"])
def test_a_file_that_cannot_be_written_is_refused_before_the_grouping(stored, tmp_path, option):
    """With questions stored and no index, the grouping would fail with "run `assistant ingest`"
    (and with an index, take tens of seconds): the destination is refused first."""
    missing = tmp_path / "missing" / "gaps.png"
    result = runner.invoke(app, ["gaps", option, str(missing)])
    assert result.exit_code == 2 and "ingest" not in result.stderr
    assert result.stderr.strip() == f"Error: {option} {missing}: the folder {missing.parent} does not exist"
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize("option", ["--out", "--plot"])
def test_a_folder_given_as_the_file_is_one_line_not_a_usage_box(tmp_path, option):
    result = runner.invoke(app, ["gaps", option, str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"Error: {option} {tmp_path} is a folder, not a file"
    empty = runner.invoke(app, ["gaps", option, ""])
    assert empty.exit_code == 2 and empty.stderr.strip() == f"Error: {option} is empty: give the file to write"


def test_no_stored_questions_draws_no_blank_chart(tmp_path):
    chart = tmp_path / "gaps.png"
    result = runner.invoke(app, ["gaps", "--plot", str(chart)])
    assert result.exit_code == 0, result.output
    assert not chart.exists()
    assert f"No chart written to {chart}: there are no questions to draw." in " ".join(result.stderr.split())
