"""The conversation the server keeps for each browser session, and what it says about it.

The browser sends only the new question (Retry and Undo, an index): the conversation stays
on the server, in the session's gr.State. Before, the browser sent the whole rendered chat
with every question, and past the server's 64 KB body limit (about two dozen answers with
their cards) the turn failed with a bare "Error" and the question was lost.

What the server keeps is bounded: the last KEPT_TURNS questions with their answers, each
question at most MAX_QUESTION_CHARS as shown (a longer one is refused anyway). When older
turns go, a notice at the top of the chat says so: they are neither shown nor read again.

A conversation is the list of messages the Chatbot shows ({"role", "content"}, the content
rendered by ui/render.py), so the chat and the state are one value and the index the
browser sends with Retry or Undo points into it.
"""

from __future__ import annotations

from assistant.errors import QuestionError
from assistant.questions import MAX_HISTORY_TURNS, MAX_QUESTION_CHARS, check_question
from assistant.rewrite import Turn
from ui.render import asked_text, render_notice, render_question, shows_error

__all__ = ["KEPT_TURNS", "asking", "history", "question_at"]

# Twenty answers with their citation cards are a long page already; the rewriter of a
# follow-up reads only the previous question.
KEPT_TURNS = 20


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
