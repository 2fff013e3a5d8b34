"""Readers' ratings in the chat: the thumbs under each answer (Gradio's Chatbot feedback),
the note a thumb leaves and the optional comment box it opens. The answer's id stays in the
session's server-side conversation (ui/conversation.py); the page never sees it."""

from __future__ import annotations

import html
import logging
from typing import NamedTuple

import gradio as gr

from assistant.errors import FeedbackError, UnknownAnswerError
from assistant.feedback import MAX_COMMENT_CHARS, FeedbackService
from assistant.server.errors import stack_without_messages
from ui import conversation

__all__ = [
    "ASK_MORE", "ASK_WHY", "COMMENT_SAVED", "NOT_AN_ANSWER", "SAVED", "UNKNOWN", "WITHDRAWN", "comment_on",
    "feedback_events", "feedback_panel", "rate_answer",
]

log = logging.getLogger("ui")

SAVED = "Thanks: your feedback was saved."
COMMENT_SAVED = "Thanks: your comment was saved."
WITHDRAWN = "Your rating was withdrawn."
NOT_AN_ANSWER = "Only the assistant's finished answers can be rated."
UNKNOWN = (
    "This answer can't be rated any more: the server no longer knows it (it was restarted, or the answer is "
    "too old). Ask again to rate the new answer."
)
ASK_WHY = "What was missing or wrong? (optional)"
ASK_MORE = "Anything to add? (optional)"


def _note(text: str, kind: str = "saved") -> str:
    return f'<div class="feedback-note" data-feedback="{kind}" role="status">{html.escape(text)}</div>'


def _rating(liked: object) -> int:
    """+1 for a thumb up, -1 for a thumb down, 0 for anything else (a thumb taken back)."""
    if liked is True or liked == "Like":
        return 1
    if liked is False or liked == "Dislike":
        return -1
    return 0


def _saved(feedback: FeedbackService, answer_id: str, rating: int, comment: str = "") -> str | None:
    """Stores the rating (rating 0: withdraws it); None when done, else the friendly reason it was not."""
    try:
        if rating == 0:
            feedback.withdraw(answer_id)
        else:
            feedback.rate(answer_id, rating, comment)
    except UnknownAnswerError:
        return UNKNOWN
    except FeedbackError as error:
        return f"Sorry, that feedback could not be saved: {error}."
    except Exception as error:  # the store failing: said in the page, logged without the text
        log.error("saving feedback failed (%s)\n%s", type(error).__name__, stack_without_messages(error))
        return "Sorry, that feedback could not be saved. Please try again later."
    return None


# What a thumb or a comment leaves in the page: (note, comment box open, its prompt, its text,
# what was rated: (answer id, rating) while a comment may follow).
Rated = tuple[str, bool, str, str, "tuple[str, int] | None"]


def rate_answer(feedback: FeedbackService, messages: list[dict], index: object, liked: object) -> Rated:
    """A thumb under an answer. After a rating the optional comment box opens, asking what
    was missing after a thumb down. The same thumb clicked again (Gradio un-selects it) takes
    the rating back: it must stop counting in the gaps and the export, comment and all."""
    answer_id = conversation.answer_id_at(messages or [], index)
    rating = _rating(liked)
    if answer_id is None:
        return _note(NOT_AN_ANSWER, "refused"), False, ASK_MORE, "", None
    problem = _saved(feedback, answer_id, rating)
    if problem:
        return _note(problem, "refused"), False, ASK_MORE, "", None
    if rating == 0:
        return _note(WITHDRAWN, "withdrawn"), False, ASK_MORE, "", None
    return _note(SAVED), True, ASK_WHY if rating < 0 else ASK_MORE, "", (answer_id, rating)


def comment_on(feedback: FeedbackService, rated: tuple[str, int] | None, comment: str) -> Rated:
    """The comment box's Send: the rating again, with the comment."""
    prompt = ASK_WHY if rated and rated[1] < 0 else ASK_MORE
    if not rated:
        return _note(NOT_AN_ANSWER, "refused"), False, prompt, "", None
    text = (comment or "").strip()
    if not text:
        return _note("Type a comment first, or leave the box.", "refused"), True, prompt, comment or "", rated
    problem = _saved(feedback, rated[0], rated[1], text)
    if problem:
        return _note(problem, "refused"), True, prompt, comment, rated
    return _note(COMMENT_SAVED), False, prompt, "", None


def _like_event(event: gr.EventData | None) -> tuple[object, object]:
    """(index, liked) of a thumb click; read from the raw data, as _event_index does."""
    data = getattr(event, "_data", None)
    if not isinstance(data, dict):
        return None, None
    return data.get("index"), data.get("liked")


class _FeedbackPanel(NamedTuple):
    note: gr.HTML
    box: gr.Group
    comment: gr.Textbox
    send: gr.Button
    rated: gr.State


def feedback_panel() -> _FeedbackPanel:
    """The note a thumb leaves, and the optional comment box it opens."""
    note = gr.HTML("", elem_id="feedback-note")
    with gr.Group(visible=False, elem_id="feedback-comment") as box:
        comment = gr.Textbox(label=ASK_MORE, max_lines=4, max_length=MAX_COMMENT_CHARS, elem_id="feedback-text")
        send = gr.Button("Send", size="sm", elem_id="feedback-send")
    return _FeedbackPanel(note, box, comment, send, gr.State(None))


def feedback_events(feedback: FeedbackService, chatbot: gr.Chatbot, talk: gr.State, panel: _FeedbackPanel) -> None:
    """The thumbs under each answer and the optional comment after one."""

    def shown(result: Rated) -> tuple:
        note_html, is_open, prompt, text, what = result
        return note_html, gr.update(visible=is_open), gr.update(value=text, label=prompt), what

    def thumb(messages: list[dict], event: gr.EventData) -> tuple:
        return shown(rate_answer(feedback, messages, *_like_event(event)))

    def commented(what: tuple[str, int] | None, text: str) -> tuple:
        return shown(comment_on(feedback, what, text))

    outputs = [panel.note, panel.box, panel.comment, panel.rated]
    chatbot.like(thumb, [talk], outputs, api_name=False)
    panel.send.click(commented, [panel.rated, panel.comment], outputs, api_name=False)
