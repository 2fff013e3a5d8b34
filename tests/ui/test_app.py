"""The chat page's logic without a browser: one answer at a time, and rating answers."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from assistant.answer import Answer
from assistant.feedback import FeedbackService, FeedbackStore
from ui import app
from ui.conversation import ANSWER_ID
from ui.feedback_panel import (
    ASK_MORE,
    ASK_WHY,
    COMMENT_SAVED,
    NOT_AN_ANSWER,
    SAVED,
    UNKNOWN,
    WITHDRAWN,
    comment_on,
    rate_answer,
)

SKIP = {"__type__": "update"}


@pytest.fixture
def feedback(tmp_path):
    service = FeedbackService(FeedbackStore(tmp_path / "feedback.sqlite3"))
    yield service
    service.close()


def chat_with(answer: Answer) -> list[dict]:
    return [
        {"role": "user", "content": "Hello?"},
        {"role": "assistant", "content": "<div class='answer'>…</div>", ANSWER_ID: answer.id},
        {"role": "user", "content": "Again?"},
        {"role": "assistant", "content": "<div class='answer error' data-error='true'>busy</div>"},
    ]


def an_answer(**fields) -> Answer:
    return Answer(**{"question": "Hello?", "standalone_question": "Hello?", "answer": "Hi.", "backend": "x", **fields})


def test_a_thumb_down_is_saved_and_opens_the_comment_box_and_the_comment_is_saved_with_it(feedback):
    answer = an_answer()
    feedback.remember(answer)
    note, opened, prompt, text, rated = rate_answer(feedback, chat_with(answer), 1, False)
    assert SAVED in note and opened and prompt == ASK_WHY and text == "" and rated == (answer.id, -1)
    assert feedback.stored(answer.id).rating == -1
    note, opened, _, text, rated = comment_on(feedback, rated, "  It missed <b>pay</b>.  ")
    assert COMMENT_SAVED in note and not opened and text == "" and rated is None
    stored = feedback.stored(answer.id)
    assert (stored.rating, stored.comment) == (-1, "It missed <b>pay</b>.")


def test_a_thumb_up_is_saved_and_a_comment_is_optional(feedback):
    answer = an_answer(abstained=True, answer="")  # an abstention is rated like any answer
    feedback.remember(answer)
    note, opened, prompt, _, rated = rate_answer(feedback, chat_with(answer), [1, None], "Like")
    assert SAVED in note and opened and prompt == ASK_MORE and rated == (answer.id, 1)
    assert feedback.stored(answer.id).rating == 1
    note, opened, _, _, still = comment_on(feedback, rated, "   ")  # nothing typed: nothing sent
    assert "Type a comment" in note and opened and still == rated


@pytest.mark.parametrize("taken_back", ["", None])  # what Gradio sends for a thumb un-selected
def test_a_thumb_taken_back_withdraws_the_rating_and_its_comment(feedback, taken_back):
    answer = an_answer()
    feedback.remember(answer)
    rated = rate_answer(feedback, chat_with(answer), 1, False)[-1]
    comment_on(feedback, rated, "It missed pay.")
    assert feedback.gap_questions() == [("Hello?", "down-voted")]

    note, opened, _, text, rated = rate_answer(feedback, chat_with(answer), 1, taken_back)
    assert WITHDRAWN in note and 'data-feedback="withdrawn"' in note and not opened and text == "" and rated is None
    assert feedback.stored(answer.id) is None and feedback.gap_questions() == []  # questions not logged: all gone
    assert SAVED in rate_answer(feedback, chat_with(answer), 1, "Like")[0]  # and it can be rated again


def test_what_cannot_be_rated_gets_a_friendly_note_and_nothing_is_stored(feedback):
    answer = an_answer()  # never remembered: the server restarted, or it is too old
    note, opened, _, _, rated = rate_answer(feedback, chat_with(answer), 1, False)
    assert UNKNOWN.replace("'", "&#x27;") in note and not opened and rated is None
    for index in (3, 0, 99, None, "x"):  # an error message, a question, gone, nothing
        note, opened, _, _, rated = rate_answer(feedback, chat_with(answer), index, True)
        assert NOT_AN_ANSWER.replace("'", "&#x27;") in note and not opened and rated is None
    too_long = comment_on(feedback, (answer.id, -1), "x" * 3000)[0]
    assert "could not be saved" in too_long and "2000" in too_long
    assert feedback.stored(answer.id) is None


def test_one_answer_at_a_time_ask_is_off_while_it_is_written_and_a_second_turn_is_refused_visibly(monkeypatch):
    controls = app._Controls(examples=2)
    session = SimpleNamespace(session_hash="s-1")
    turns = lambda: iter([(["chat"], ["state"], "status")])  # noqa: E731
    sent, answered, ended = app._turn_with_controls(turns, controls, session, textbox=True)
    assert sent[2] == "" and sent[4]["interactive"] is False and sent[5] == {
        "__type__": "update", "interactive": True, "variant": "stop"
    }
    assert [s["interactive"] for s in sent[6:]] == [False, False]  # the example questions too
    assert answered[:4] == (["chat"], ["state"], SKIP, "status")  # the text typed meanwhile stays
    assert ended[:4] == (["chat"], ["state"], SKIP, "status") and ended[4]["interactive"] is True
    assert ended[5] == {"__type__": "update", "interactive": False, "variant": "secondary"}
    warned = []
    monkeypatch.setattr(app.gr, "Warning", warned.append)
    monkeypatch.setitem(app._writing, "s-1", object())  # an answer of this session is being written
    (refused,) = app._turn_with_controls(turns, controls, session, textbox=False)
    assert warned == [app.WAIT] and all(value == SKIP for value in refused)
