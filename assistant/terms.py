"""Words and content terms: what BM25 indexes, the guard compares and the rewriter matches.

Written by hand because they must agree with each other exactly (the same terms for BM25
and for the guard's word overlap), and none of them needs more than a regular expression
and a crude stemmer.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable

__all__ = ["NEGATIONS", "STOPWORDS", "idf_share", "negation_count", "stem", "terms", "terms_of_words", "words"]

_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers herself him himself his how i if in into is it its itself just let me more most
    my myself of off on once only or other our ours ourselves out over own same she should so some such
    than that the their theirs them themselves then there these they this those through to too under until
    up very was we were what when where which while who whom why will with would you your yours yourself
    yourselves i'm i've i'd you're you've you'll it's that's there's what's let's get got go going also
    etc e g eg really much many way ways thing things""".split()
)

# Words that flip what a sentence claims. "myth" is here because "X is a myth" denies X.
NEGATIONS = frozenset(
    """not no never none nobody nothing neither nor cannot can't won't don't doesn't didn't isn't aren't
    wasn't weren't shouldn't wouldn't couldn't hasn't haven't hadn't mustn't without myth unlikely hardly
    rarely false untrue""".split()
)

_SUFFIXES = ("ingly", "ings", "ing", "edly", "ies", "ied", "ers", "er", "ed", "es", "ly", "s")


@functools.lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A crude suffix stripper: enough to match "losing" with "lose" and "managers" with "manager".

    Cached: a corpus repeats its words, and a server starting over 20,000 chunks stems about a
    million of them (a third of its start-up spent here uncached)."""
    word = word.replace("’", "'")
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word.rstrip("e")


def words(text: str) -> list[str]:
    return [w.replace("’", "'") for w in _WORD.findall(text.lower())]


def terms(text: str) -> list[str]:
    """Content words, stemmed: what BM25 indexes and the guard compares."""
    return terms_of_words(words(text))


def terms_of_words(text_words: list[str]) -> list[str]:
    """``terms`` of a text whose ``words`` are already at hand."""
    return [stem(w) for w in text_words if w not in STOPWORDS and len(w) > 1]


def negation_count(text: str) -> int:
    tokens = words(text)
    return sum(1 for w in tokens if w in NEGATIONS or w.endswith("n't"))


def idf_share(wanted: Iterable[str], held: set[str], idf: Callable[[str], float]) -> float:
    """The share of ``wanted`` terms that ``held`` holds, rare terms weighing more: what the
    abstention rule, quote ranking and the guard all mean by "covers the words"."""
    wanted = set(wanted)
    total = sum(idf(t) for t in wanted)
    return sum(idf(t) for t in wanted & held) / total if total else 0.0
