"""The conversation the server keeps for each browser session, and what it says about it.

The browser sends only the new question (Retry and Undo, an index): the conversation stays
on the server, in the session's gr.State. Before, the browser sent the whole rendered chat
with every question, and past the server's 64 KB body limit (about two dozen answers with
their cards) the turn failed with a bare "Error" and the question was lost.

What the server keeps is bounded: the last KEPT_TURNS questions with their answers, each
question at most MAX_QUESTION_CHARS as shown (a longer one is refused anyway). When older
turns go, a notice at the top of the chat says so: they are neither shown nor read again.

A conversation is the list of messages the Chatbot shows ({"role", "content"}, the content
rendered by ui/render.py), so the index the browser sends with Retry, Undo or a thumb
points into it. An answer's message also carries what only the server needs: the answer's
id (for feedback) and what it said (so a Retry can tell whether it came out the same).
The Chatbot gets the messages without those (`shown`).
"""

from __future__ import annotations

from assistant.errors import QuestionError
from assistant.questions import MAX_HISTORY_TURNS, MAX_QUESTION_CHARS, check_question
from assistant.rewrite import Turn
from ui.render import asked_text, render_notice, render_question, shows_error

__all__ = ["ANSWER_ID", "ANSWER_SAID", "KEPT_TURNS", "answer_id_at", "asking", "history", "question_at", "shown"]

# Twenty answers with their citation cards are a long page already; the rewriter of a
# follow-up reads only the previous question.
KEPT_TURNS = 20
# The server-side keys of an answer's message: never sent to the browser.
ANSWER_ID = "answer_id"
ANSWER_SAID = "answer_said"
_SHOWN_KEYS = ("role", "content")


def _questions(messages: list[dict]) -> list[int]:
    return [i for i, m in enumerate(messages) if m.get("role") == "user"]


def asking(messages: list[dict], asked: str) -> list[dict]:
    """The conversation with a new question at its end (shown as text, at most
    MAX_QUESTION_CHARS of it) and, past KEPT_TURNS questions, without its oldest turns."""
    shown = asked if len(asked) <= MAX_QUESTION_CHARS else f"{asked[:MAX_QUESTION_CHARS]}…"
    messages = [*messages, {"role": "user", "content": render_question(shown)}]
    asked_at = _questions(messages)
    if len(asked_at) <= KEPT_TURNS:
        return messages
    kept = messages[asked_at[-KEPT_TURNS]:]
    return [{"role": "assistant", "content": render_notice(KEPT_TURNS)}, *kept]


def history(messages: list[dict]) -> list[Turn]:
    """The earlier questions that were answered, latest last: all the rewriter needs to
    understand a follow-up. A refused one (too long, not text) was never part of the talk."""
    turns = []
    for at in _questions(messages):
        answer = messages[at + 1] if at + 1 < len(messages) else None
        if answer is None or answer.get("role") != "assistant" or shows_error(answer.get("content", "")):
            continue
        try:
            turns.append(Turn(role="user", content=check_question(asked_text(messages[at]["content"]))))
        except QuestionError:
            continue
    return turns[-MAX_HISTORY_TURNS:]


def question_at(messages: list[dict], index: object) -> int | None:
    """Where the turn to retry or undo starts: the user message the chat names (Gradio sends
    the last one), or else the last user message; None in a chat without questions."""
    if isinstance(index, int) and 0 <= index < len(messages) and messages[index].get("role") == "user":
        return index
    asked = _questions(messages)
    return asked[-1] if asked else None


def shown(messages: list[dict]) -> list[dict]:
    """The conversation as the Chatbot shows it: role and content, no server-side keys."""
    return [{k: m[k] for k in _SHOWN_KEYS if k in m} for m in messages]


def answer_id_at(messages: list[dict], index: object) -> str | None:
    """The id of the answer at index (a thumb's message), or None: not an answer (an error,
    the trimming notice, a question) or an index the chat no longer holds."""
    if isinstance(index, (list, tuple)) and index:
        index = index[0]
    if not isinstance(index, int) or not 0 <= index < len(messages):
        return None
    message = messages[index]
    if message.get("role") != "assistant":
        return None
    return message.get(ANSWER_ID) or None
