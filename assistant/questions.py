"""The one question validator: every entry point (CLI, HTTP, UI) passes questions through it.

What counts as "empty" is decided on what a person would see: a question of only
whitespace, NUL, zero-width or other invisible format characters is empty. Text that is
not valid Unicode (a lone surrogate from a JSON ``\\ud800`` escape) cannot be encoded
for the model or a log line, so it is refused here rather than failing deep inside.
"""

from __future__ import annotations

import unicodedata

from assistant.errors import EmptyQuestionError, QuestionError

__all__ = ["MAX_HISTORY_TURNS", "MAX_QUESTION_CHARS", "MAX_TURN_CHARS", "check_question", "clean_text"]

MAX_QUESTION_CHARS = 2000
MAX_HISTORY_TURNS = 20
# An earlier turn may be an answer with its quotes; past this it is no conversation.
MAX_TURN_CHARS = 20_000

# Cc: controls (NUL ...), Cf: format (zero-width space/joiner, BOM, bidi marks), Cs: surrogates,
# Co/Cn: private use and unassigned.
_INVISIBLE = {"Cc", "Cf", "Co", "Cn"}


def clean_text(text: str, what: str = "the question") -> str:
    """The text with invisible characters dropped and whitespace collapsed.

    Raises QuestionError for text that is not valid Unicode (lone surrogates).
    """
    if not isinstance(text, str):
        raise QuestionError(f"{what} must be text")
    if any(unicodedata.category(ch) == "Cs" for ch in text):
        raise QuestionError(f"{what} is not valid Unicode text (it holds a lone surrogate)")
    kept = "".join(" " if ch.isspace() else ch for ch in text if ch.isspace() or unicodedata.category(ch) not in _INVISIBLE)
    return " ".join(kept.split())


def check_question(question: str, max_chars: int = MAX_QUESTION_CHARS) -> str:
    """The question as the assistant will read it, or QuestionError saying what is wrong."""
    if not isinstance(question, str):
        raise QuestionError("the question must be text")
    if len(question) > max_chars:
        raise QuestionError(f"the question is longer than {max_chars} characters")
    cleaned = clean_text(question)
    if not cleaned:
        raise EmptyQuestionError("the question is empty: ask something, e.g. 'Should I become a manager?'")
    return cleaned
