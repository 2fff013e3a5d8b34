"""`assistant feedback export` as a user runs it: YAML on stdout or in a file it will not
overwrite unasked, notes on stderr; and ratings given to a real `assistant serve` that
outlive it."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest
import yaml
from typer.testing import CliRunner

from assistant.feedback import FeedbackService
from assistant.settings import Settings
from launch.cli import app
from tests.assistant.feedback.answers import an_answer
from tests.conftest import LIVE_API_KEY, ROOT, article_corpus, serving

runner = CliRunner()
AUTH = {"Authorization": f"Bearer {LIVE_API_KEY}"}
QUESTION = "Will I lose my engineering chops if I move to product?"
OFF_TOPIC = "What is the best recipe for sourdough bread?"


@pytest.fixture
def rated() -> list[str]:
    """A store in the test's data folder (ASSISTANT_DATA_DIR) with a down-voted, an abstained
    and a liked answer; their questions."""
    feedback = FeedbackService.from_settings(Settings())
    questions = ["Is PM better paid?", "How do I get a visa?", "What do staff engineers do?"]
    for question, rating, abstained in zip(questions, (-1, 1, 1), (False, True, False), strict=True):
        answer = an_answer(question, abstained=abstained)
        feedback.remember(answer)
        feedback.rate(answer.id, rating, "")
    feedback.close()
    return questions


def exported(text: str) -> list[str]:
    return [item["question"] for item in yaml.safe_load(text)["gold"]]


def test_export_prints_the_down_voted_and_abstained_as_yaml_on_stdout(rated):
    result = runner.invoke(app, ["feedback", "export"])
    assert result.exit_code == 0, result.output
    assert exported(result.stdout) == rated[:2]
    assert result.stdout.startswith("# Questions readers down-voted") and not result.stderr


def test_export_to_a_file_refuses_to_overwrite_it_unless_forced(rated, tmp_path):
    out = tmp_path / "to-label.yaml"
    result = runner.invoke(app, ["feedback", "export", "--out", str(out)])
    assert result.exit_code == 0 and result.stdout == ""
    assert "2 question(s) to label" in result.stderr
    assert exported(out.read_text(encoding="utf-8")) == rated[:2]

    out.write_text("my labels", encoding="utf-8")
    refused = runner.invoke(app, ["feedback", "export", "--out", str(out)])
    assert refused.exit_code == 2 and "--force" in refused.stderr and "Traceback" not in refused.output
    assert out.read_text(encoding="utf-8") == "my labels"
    forced = runner.invoke(app, ["-q", "feedback", "export", "--out", str(out), "--force"])
    assert forced.exit_code == 0 and forced.stderr == ""  # -q: no notes
    assert exported(out.read_text(encoding="utf-8")) == rated[:2]


@pytest.mark.parametrize("force", [[], ["--force"]], ids=["unforced", "forced"])
def test_export_to_a_folder_says_it_is_a_folder_forced_or_not(rated, tmp_path, force):
    result = runner.invoke(app, ["feedback", "export", "--out", str(tmp_path), *force])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.strip() == f"Error: --out {tmp_path} is a folder, not a file"


def test_export_to_an_empty_path_or_a_missing_folder_is_refused_in_one_line(rated, tmp_path):
    empty = runner.invoke(app, ["feedback", "export", "--out", ""])
    assert empty.exit_code == 2 and empty.stderr.strip() == "Error: --out is empty: give the file to write"
    missing = tmp_path / "nowhere" / "items.yaml"
    result = runner.invoke(app, ["feedback", "export", "--out", str(missing)])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"Error: --out {missing}: the folder {missing.parent} does not exist"


def test_force_without_out_says_it_has_no_effect(rated):
    result = runner.invoke(app, ["feedback", "export", "--force"])
    assert result.exit_code == 0 and exported(result.stdout) == rated[:2]
    assert "--force has no effect without --out" in result.stderr


def test_export_of_an_empty_store_says_so_on_stderr(tmp_path):
    result = runner.invoke(app, ["feedback", "export"])
    assert result.exit_code == 0
    assert exported(result.stdout) == [] and "No feedback stored yet" in result.stderr
    assert not (tmp_path / "data" / "feedback.sqlite3").exists()  # reading makes no store


def test_a_store_that_cannot_be_read_is_one_line_and_exit_1(tmp_path, monkeypatch):
    (tmp_path / "broken.sqlite3").write_bytes(b"this is not a database" * 100)
    monkeypatch.setenv("ASSISTANT_FEEDBACK_DB", str(tmp_path / "broken.sqlite3"))
    result = runner.invoke(app, ["feedback", "export"])
    assert result.exit_code == 1 and "feedback store" in result.stderr and "Traceback" not in result.output


@pytest.mark.integration
def test_ratings_given_to_a_server_survive_its_restart(tmp_path, embeddings):
    from assistant.composition import build_ingestor, build_store

    settings = Settings(_env_file=None, data_dir=tmp_path / "data", corpus_dir=article_corpus(tmp_path / "corpus"))
    assert not build_ingestor(settings, build_store(settings, embeddings)).run().failed
    with serving(settings, tmp_path, "extractive") as (base, _log), httpx.Client(headers=AUTH, timeout=120) as client:
        down = client.post(f"{base}/v1/ask", json={"question": QUESTION}).json()
        gap = client.post(f"{base}/v1/ask", json={"question": OFF_TOPIC}).json()
        unrated = client.post(f"{base}/v1/ask", json={"question": QUESTION}).json()
        assert gap["abstained"] and not down["abstained"]
        for answer, rating in ((down, -1), (gap, 1)):
            response = client.post(f"{base}/v1/feedback", json={"answer_id": answer["id"], "rating": rating})
            assert response.status_code == 201, response.text

    with serving(settings, tmp_path, "extractive") as (base, _log), httpx.Client(headers=AUTH, timeout=120) as client:
        # A stored answer can be rated again; one never rated was not kept (questions not logged).
        again = client.post(f"{base}/v1/feedback", json={"answer_id": down["id"], "rating": -1, "comment": "still"})
        assert again.status_code == 201, again.text
        lost = client.post(f"{base}/v1/feedback", json={"answer_id": unrated["id"], "rating": 1})
        assert lost.status_code == 404 and "ASSISTANT_LOG_QUESTIONS" in lost.json()["error"]["message"]

    result = subprocess.run(
        [sys.executable, "-m", "launch", "feedback", "export"],
        env={**os.environ, "ASSISTANT_DATA_DIR": str(settings.data_dir), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    items = {item["question"]: item["feedback"] for item in yaml.safe_load(result.stdout)["gold"]}
    assert set(items) == {QUESTION, OFF_TOPIC}
    assert (items[QUESTION]["reason"], items[QUESTION]["comment"]) == ("down-voted", "still")
    assert items[QUESTION]["index_version"] == down["index_version"] and items[QUESTION]["cited_sections"]
    assert items[OFF_TOPIC]["reason"] == "abstained"
