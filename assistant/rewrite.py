"""Turn a follow-up ("What about managers?") into a standalone question before retrieval.

LangChain's history-aware retriever asks the LLM to rewrite; the bundled 135M model
cannot do that reliably, so the rewrite here is deterministic: "What about X?" takes the
previous question and puts X in place of its phrase closest in meaning to X; any other
short question that leans on a pronoun carries the previous question along.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Literal

from pydantic import BaseModel, Field

from assistant.similarity import dot
from assistant.terms import STOPWORDS, terms, words

__all__ = ["Turn", "standalone_question"]

_ABOUT = re.compile(r"^(?:and\s+)?(?:what|how)\s+about\s+(?P<topic>.+?)\s*\??$", re.I)
_AND = re.compile(r"^and\s+(?P<topic>[^?]+?)\s*\??$", re.I)
_PRONOUNS = {"it", "that", "this", "they", "them", "those", "these", "there", "one", "he", "she", "its"}
_FOLLOW_UP_WORDS = 8
_MIN_SUBSTITUTE_SIMILARITY = 0.25
_NEAR = 0.08


class Turn(BaseModel):
    role: Literal["user", "assistant"]
    content: str = Field(max_length=20_000)


def _phrases(question: str) -> list[tuple[int, int]]:
    """Word spans of 1 to 3 words that hold a content word, as (start, end) char offsets."""
    tokens = [(m.start(), m.end(), m.group(0).lower()) for m in re.finditer(r"[A-Za-z][\w'’-]*", question)]
    spans = []
    for size in (1, 2, 3):
        for i in range(len(tokens) - size + 1):
            window = tokens[i : i + size]
            if window[0][2] in STOPWORDS or window[-1][2] in STOPWORDS:
                continue
            spans.append((window[0][0], window[-1][1]))
    return spans


def _is_follow_up(question: str) -> bool:
    tokens = words(question)
    return len(tokens) <= _FOLLOW_UP_WORDS and (bool(_PRONOUNS & set(tokens)) or len(terms(question)) < 2)


def standalone_question(
    question: str, history: Sequence[Turn], embed_many: Callable[[list[str]], list[list[float]]]
) -> str:
    previous = next((t.content.strip() for t in reversed(history) if t.role == "user" and t.content.strip()), "")
    if not previous:
        return question
    about = _ABOUT.match(question.strip()) or _AND.match(question.strip())
    if about:
        topic = about.group("topic").strip()
        spans = _phrases(previous)
        if spans:
            vectors = embed_many([topic] + [previous[a:b] for a, b in spans])
            scores = [dot(vectors[0], v) for v in vectors[1:]]
            top = max(scores)
            # Among phrases nearly as close as the closest, take the longest: "staff engineer",
            # not "staff", is what "managers" stands in for.
            near = [i for i in range(len(spans)) if scores[i] >= top - _NEAR]
            best = max(near, key=lambda i: spans[i][1] - spans[i][0])
            if top >= _MIN_SUBSTITUTE_SIMILARITY:
                start, end = spans[best]
                return previous[:start] + topic + previous[end:]
        return f"{previous.rstrip('?. ')}, for {topic}?"
    if _is_follow_up(question):
        return f"{question.strip()} (about: {previous})"
    return question
