"""What the UI writes to the server's log: JSON lines in ASSISTANT_LOG_FORMAT=json, never the
user's text, whatever Gradio itself would print."""

from __future__ import annotations

import inspect
import logging
import traceback

import pytest

from tests.conftest import LIVE_API_KEY
from tests.ui.queue_client import ServerLog, ask_in_queue, final_chat, parsed
from ui.gradio_logs import log_gradio_tracebacks
from ui.render import asked_text

AUTH = {"Authorization": f"Bearer {LIVE_API_KEY}"}
SECRET = "SECRET-USER-TEXT"


def test_gradio_printing_a_failure_writes_one_record_without_its_message(caplog, capsys):
    import gradio.queueing
    import gradio.routes

    log_gradio_tracebacks()
    log_gradio_tracebacks()  # twice is once
    for module in (gradio.queueing, gradio.routes):
        # Gradio 6.31 prints a failed event this way: the stand-in must sit where it looks.
        assert "traceback.print_exc()" in inspect.getsource(module)
        try:
            raise ValueError(f"input_value='{SECRET}'")
        except ValueError:
            with caplog.at_level(logging.ERROR, logger="ui.gradio"):
                module.traceback.print_exc()
        assert module.traceback.format_exc is traceback.format_exc  # the rest is the real module
    assert capsys.readouterr().err == ""
    records = [r for r in caplog.records if r.name == "ui.gradio"]
    assert len(records) == 2 and all(r.levelno == logging.ERROR for r in records)
    for record in records:
        assert "ValueError" in record.getMessage() and SECRET not in record.getMessage()


@pytest.mark.integration
def test_a_chat_turn_over_the_history_limit_is_answered_and_the_log_stays_json_without_the_users_text(
    json_logged_server,
):
    """As the page sent it before: a follow-up with the chat so far, one question in it over
    20,000 characters. That failed with a ValidationError printed to stderr, the text in it."""
    base, log_path = json_logged_server
    log = ServerLog(base, log_path, AUTH)
    mark = log.mark()
    earlier = [
        {"role": "user", "content": [{"type": "text", "text": f"{SECRET} " * 1_300}]},
        {"role": "assistant", "content": [{"type": "text", "text": "An answer."}]},
    ]
    joined, messages = ask_in_queue(base, AUTH, 0, ["Do staff engineers only write code?", earlier])
    assert joined.status_code == 200
    chat = final_chat(messages)
    assert chat is not None, messages
    assert 'data-abstained="false"' in asked_text(chat[-1]["content"])
    lines = log.since(mark)
    assert all(line["level"] == "INFO" for line in parsed(lines))
    assert SECRET not in "\n".join(lines)


@pytest.mark.integration
def test_a_typed_question_over_the_limit_is_refused_in_the_chat_and_the_next_one_answered(json_logged_server):
    """The same through the conversation the server keeps: the refused question is no history."""
    base, log_path = json_logged_server
    log = ServerLog(base, log_path, AUTH)
    mark, session = log.mark(), "long-question-1"
    _, first = ask_in_queue(base, AUTH, 0, [f"{SECRET} " * 1_300, None], session=session)
    refused = final_chat(first)
    assert refused is not None and "longer than" in asked_text(refused[-1]["content"])
    _, second = ask_in_queue(base, AUTH, 0, ["Do staff engineers only write code?", None], session=session)
    chat = final_chat(second)
    assert chat is not None and len(chat) == 4 and 'data-abstained="false"' in asked_text(chat[-1]["content"])
    lines = log.since(mark)
    assert all(line["level"] == "INFO" for line in parsed(lines))
    assert SECRET not in "\n".join(lines)
