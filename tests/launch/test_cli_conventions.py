"""The command line as a Unix user expects it: each command run as a real process with
pipes, stdout holding only the result (JSON that parses, or plain answer text), progress
and notes on stderr, --version, --quiet, --log-level, Ctrl-C, and the `ui` and
`calibrate` subcommands."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from importlib.metadata import version

import httpx
import pytest

from tests.conftest import ARTICLE, ROOT
from tests.processes import answers_200, free_port, interrupted_mid_answer, started

pytestmark = pytest.mark.integration
QUESTION = "Will I lose my engineering chops if I move to product?"
ANSWER_START = "“The truth is there’s a good chance you will start losing your engineering ability"


def cli_env(data_dir=None, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "ASSISTANT_LLM_BACKEND": "extractive",  # the real LLM has its own tests
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        **extra,
    }
    if data_dir is not None:
        env["ASSISTANT_DATA_DIR"] = str(data_dir)
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):  # a pipe is a pipe
        env.pop(name, None)
    return env


def run(*args: str, env: dict[str, str], module: str = "launch") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", module, *args], capture_output=True, text=True, env=env, timeout=600
    )


# -- stdout is the result, stderr the rest ------------------------------------------------
def test_ask_json_is_pure_json_on_stdout_and_debug_logs_go_to_stderr(index_settings):
    result = run("--log-level", "debug", "ask", QUESTION, "--json", env=cli_env(index_settings.data_dir))
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["backend"] == "extractive" and answer["citations"] and not answer["abstained"]
    assert re.search(r"^\d{4}-\d\d-\d\d [\d:,]+ DEBUG \S+: ", result.stderr, re.MULTILINE), result.stderr


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed")
def test_ask_json_feeds_jq_through_a_pipe(index_settings):
    ask = subprocess.Popen(
        [sys.executable, "-m", "launch", "ask", QUESTION, "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=cli_env(index_settings.data_dir),
    )
    jq = subprocess.run(["jq", "-r", ".citations[0].section"], stdin=ask.stdout, capture_output=True, text=True)
    ask.stdout.close()
    assert ask.wait(timeout=600) == 0 and jq.returncode == 0, jq.stderr
    assert "losing my engineering chops" in jq.stdout


def test_ask_on_a_pipe_prints_plain_answer_text_then_citations(index_settings):
    result = run("ask", QUESTION, env=cli_env(index_settings.data_dir))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(ANSWER_START)
    answer, citations = result.stdout.split("\n\n", 1)
    assert "\n" not in answer and len(answer) > 80 and "” [1] “" in answer  # unwrapped, markers kept
    assert citations.startswith("[1] Career paths beyond senior software engineer — Q & A > ")
    assert "\n    “The truth is there’s a good chance" in citations
    assert "\x1b" not in result.stdout and "╭" not in result.stdout  # no escape codes, no panels
    # Which sentences are quotes, the notes and the timings are for the person, on stderr.
    assert "[1] quoted from the article" in result.stderr
    assert re.search(r"^extractive · retrieval \d+ ms", result.stderr, re.MULTILINE)
    assert "quoted from the article" not in result.stdout


def test_quiet_leaves_stderr_empty_and_the_answer_on_stdout(index_settings):
    result = run("--quiet", "ask", QUESTION, env=cli_env(index_settings.data_dir))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith(ANSWER_START)


def test_quiet_still_shows_errors(tmp_path):
    result = run("-q", "ask", QUESTION, env=cli_env(tmp_path / "empty"))
    assert result.returncode == 1
    assert "run `assistant ingest`" in result.stderr and result.stdout == ""


def test_ingest_json_reports_every_file_and_the_failure_on_stderr(corpus):
    (corpus / "broken.txt").write_bytes(b"caf\xe9")
    result = run("ingest", "--json", env=cli_env())
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    files = {f["source"]: f for f in report["files"]}
    assert files[ARTICLE.name] == {
        "source": ARTICLE.name, "status": "added", "chunks": 11, "added": 11, "removed": 0, "unchanged": 0,
        "error": "",
    }
    assert files["broken.txt"]["status"] == "failed" and "not UTF-8" in files["broken.txt"]["error"]
    assert report["totals"] == {
        "files": 2, "failed": 1, "chunks": 11, "added": 11, "removed": 0, "unchanged": 0, "writes": 11, "stored": 11,
    }
    assert report["seconds"] > 0
    assert f"{ARTICLE.name}: started, 11 chunk(s)" in result.stderr  # progress, one line per file
    assert "1 of 2 files could not be ingested (broken.txt: " in result.stderr and "the other one was" in result.stderr


def test_version_is_the_package_version():
    result = run("--version", env=cli_env())
    assert result.returncode == 0
    assert result.stdout == f"assistant {version('career-assistant')}\n"


def test_an_unknown_log_level_is_refused():
    result = run("--log-level", "loud", "ask", QUESTION, env=cli_env())
    assert result.returncode == 2
    assert "loud" in result.stderr and result.stdout == ""


# -- Ctrl-C --------------------------------------------------------------------------------
# `assistant ask` with a model that never finishes unless cancelled (the gated fake chat
# model): once the answer's first words are out, the model's turn is under way for good, so
# the interrupt always lands mid-answer. Python turns SIGINT into KeyboardInterrupt only when
# its parent did not ignore the signal; the script sets that up as an interactive shell does.
ASK_WITH_A_MODEL_THAT_NEVER_ENDS = f"""
import signal
signal.signal(signal.SIGINT, signal.default_int_handler)
import assistant.composition
from tests.fakes import scripted
assistant.composition.build_chat_model = lambda settings: scripted(gated=True)
from launch.cli import app
app(["ask", {QUESTION!r}], prog_name="assistant")
"""


def test_ctrl_c_while_streaming_cancels_the_answer_and_exits_130(index_settings):
    process = subprocess.Popen(
        [sys.executable, "-c", ASK_WITH_A_MODEL_THAT_NEVER_ENDS],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=cli_env(index_settings.data_dir),
    )
    stdout, stderr = (part.decode() for part in interrupted_mid_answer(process))
    assert process.returncode == 130, stderr
    assert "Cancelled: the answer was not finished." in stderr and "Traceback" not in stderr
    assert stdout.startswith(ANSWER_START) and stdout.endswith("\n")
    assert "[1] Career paths" not in stdout  # no citations for an answer that was not finished


# -- the subcommands that were modules -------------------------------------------------------
def test_calibrate_prints_the_threshold_to_store(index_settings):
    result = run("calibrate", env=cli_env(index_settings.data_dir))
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"ASSISTANT_ABSTAIN_BELOW=0\.\d{3}\n", result.stdout)
    assert "Evidence scores of the calibration questions" in result.stderr
    assert "balanced accuracy" in result.stderr


@pytest.mark.parametrize("command", ["ui", "calibrate"])
def test_python_dash_m_launch_runs_each_subcommand(command):
    """`python -m launch ui` and `python -m launch calibrate` replace `python -m ui` and
    `python -m evals.calibrate`: those made a lower package import the command line."""
    result = run(command, "--help", env=cli_env())
    assert result.returncode == 0, result.stderr
    assert f"Usage: assistant {command}" in result.stdout


def test_ui_subcommand_serves_the_chat(index_settings, tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    argv = [sys.executable, "-m", "launch", "ui", "--port", str(port)]
    with started(argv, answers_200(url), tmp_path / "ui.log", env=cli_env(index_settings.data_dir)):
        assert "gradio" in httpx.get(url, timeout=30).text.lower()


def test_serve_refuses_a_non_ascii_api_key_with_one_line_and_exit_2(tmp_path):
    result = run("serve", "--port", str(free_port()), env=cli_env(tmp_path / "data", ASSISTANT_API_KEY="cl\u00e9"))
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert "ASSISTANT_API_KEY" in line and "printable ASCII" in line and "cl\u00e9" not in line
