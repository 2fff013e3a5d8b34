"""Turn a follow-up ("What about managers?") into a standalone question before retrieval.

LangChain's history-aware retriever asks the LLM to rewrite; the bundled 135M model
cannot do that reliably, so the rewrite here is deterministic:

- "What about X?" takes the previous question and puts X in place of its phrase closest
  in meaning to X;
- a short question that leans on a pronoun or names almost nothing the articles talk
  about ("Why?", "Can you give me an example?", "Should I try it anyway?") is a follow-up.
  If it names a subject the articles know and the previous question did not ("Is that
  true for managers too?"), that subject takes the place of the previous question's
  closest phrase, as for "What about X?"; otherwise the previous question is carried along.

What "the articles know" is the reader's coverage (assistant.reading), so a follow-up is
told from a new question by the corpus's own words, not by a list of phrasings.
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
# A follow-up's new word replaces a phrase only when it is the same kind of thing
# ("managers" for "staff engineers", 0.53), not a predicate ("technical" for "engineering
# manager", 0.39): "What about X?" says outright that X is a substitute, so it needs less.
_MIN_FOLLOW_UP_SIMILARITY = 0.45
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


def _known(question: str, covers: Callable[[str], bool]) -> list[str]:
    """The question's content words that the articles use."""
    return [w for w in words(question) if w not in STOPWORDS and len(w) > 1 and covers(w)]


def _is_follow_up(question: str, covers: Callable[[str], bool]) -> bool:
    tokens = words(question)
    return len(tokens) <= _FOLLOW_UP_WORDS and (bool(_PRONOUNS & set(tokens)) or len(_known(question, covers)) < 2)


def _substituted(
    previous: str,
    topic: str,
    embed_many: Callable[[list[str]], list[list[float]]],
    least: float = _MIN_SUBSTITUTE_SIMILARITY,
) -> str | None:
    """The previous question with its phrase closest in meaning to ``topic`` replaced by it."""
    spans = _phrases(previous)
    if not spans:
        return None
    vectors = embed_many([topic] + [previous[a:b] for a, b in spans])
    scores = [dot(vectors[0], v) for v in vectors[1:]]
    top = max(scores)
    if top < least:
        return None
    # Among phrases nearly as close as the closest, take the longest: "staff engineer",
    # not "staff", is what "managers" stands in for.
    near = [i for i in range(len(spans)) if scores[i] >= top - _NEAR]
    start, end = spans[max(near, key=lambda i: spans[i][1] - spans[i][0])]
    return previous[:start] + topic + previous[end:]


def standalone_question(
    question: str,
    history: Sequence[Turn],
    embed_many: Callable[[list[str]], list[list[float]]],
    covers: Callable[[str], bool] = lambda _word: True,
) -> str:
    """``covers`` says whether the articles use a word (QuestionReader.covers)."""
    previous = next((t.content.strip() for t in reversed(history) if t.role == "user" and t.content.strip()), "")
    if not previous:
        return question
    about = _ABOUT.match(question.strip()) or _AND.match(question.strip())
    if about:
        topic = about.group("topic").strip()
        return _substituted(previous, topic, embed_many) or f"{previous.rstrip('?. ')}, for {topic}?"
    if _is_follow_up(question, covers):
        before = set(terms(previous))
        new = [w for w in _known(question, covers) if not set(terms(w)) & before]
        if len(new) == 1 and (swapped := _substituted(previous, new[0], embed_many, _MIN_FOLLOW_UP_SIMILARITY)):
            return swapped
        return f"{question.strip()} (about: {previous})"
    return question
