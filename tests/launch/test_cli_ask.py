"""`assistant ask` as a user runs it, on an index built by `assistant ingest`."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from launch.cli import app

pytestmark = pytest.mark.integration
runner = CliRunner()
QUESTION = "Will I lose my engineering chops if I move to product?"


@pytest.fixture
def ingested(corpus, monkeypatch):
    monkeypatch.setenv("ASSISTANT_LLM_BACKEND", "extractive")  # the real LLM has its own tests
    assert runner.invoke(app, ["ingest"]).exit_code == 0
    return corpus


def test_ask_json_prints_one_answer_object(ingested):
    result = runner.invoke(app, ["ask", QUESTION, "--json", "--top-k", "3"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)  # the note saying who answered is on stderr
    assert {"answer", "citations", "abstained", "grounded", "backend", "timings_ms"} <= set(answer)
    # The same object as POST /v1/ask: its id (to rate it) and the index it came from too.
    assert len(answer["id"]) == 32 and answer["index_version"]
    assert "Answer id:" not in result.stderr  # in-process: no server keeps it to be rated
    assert set(answer["timings_ms"]) >= {"retrieval", "generation", "total"}
    assert not answer["abstained"] and answer["grounded"] and answer["backend"] == "extractive"
    citation = answer["citations"][0]
    assert set(citation) == {"id", "chunk_id", "source", "title", "author", "section", "quote", "start", "end", "score"}


def test_ask_prints_the_answer_and_its_citations(ingested):
    result = runner.invoke(app, ["ask", QUESTION])
    assert result.exit_code == 0, result.output
    assert "[1]" in result.output and "quoted from the article" in result.output
    assert "Career paths beyond senior software engineer" in result.output


def test_an_abstention_exits_zero(ingested):
    result = runner.invoke(app, ["ask", "How do I make banana bread?", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["abstained"] is True


def test_an_empty_question_is_refused(ingested):
    result = runner.invoke(app, ["ask", "   "])
    assert result.exit_code == 2
    assert "the question is empty" in result.output


def test_a_missing_index_says_to_ingest(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_LLM_BACKEND", "extractive")
    result = runner.invoke(app, ["ask", QUESTION])
    assert result.exit_code == 1
    assert "run `assistant ingest`" in result.output
    assert "Traceback" not in result.output


def test_a_missing_gguf_file_is_a_clear_error(ingested, monkeypatch):
    monkeypatch.setenv("ASSISTANT_LLM_BACKEND", "auto")
    monkeypatch.setenv("ASSISTANT_LLM_GGUF_PATH", "/nowhere/model.gguf")
    result = runner.invoke(app, ["ask", QUESTION])
    assert result.exit_code == 1
    assert "GGUF model file not found: /nowhere/model.gguf" in result.output


@pytest.mark.parametrize("url", ["not a url", "ftp://x"])
def test_a_wrong_server_url_is_refused_at_start(url, monkeypatch):
    """It said "Answering in-process (no assistant server at not a url)" and went on."""
    monkeypatch.setenv("ASSISTANT_SERVER_URL", url)
    result = runner.invoke(app, ["ask", QUESTION])
    assert result.exit_code == 2
    assert "Error: invalid settings: ASSISTANT_SERVER_URL: Value error, must be off" in result.stderr
    assert "Answering in-process" not in result.stderr
