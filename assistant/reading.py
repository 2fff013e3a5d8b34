"""Reading a question in the corpus's own words, before anything is retrieved.

Users abbreviate ("EM", "mgmt", "promo"), misspell ("managment") and use words the
articles never use. Each word of the question is looked up against what the index knows:

1. a word of the corpus (or its stem): kept;
2. a short form in the glossary derived at ingest (ingest.glossary): "EM" is read as
   "EM (engineering manager)";
3. a truncation of a corpus word, or a corpus word truncated ("promo" -> promotion,
   "executive" -> exec), or a consonant skeleton of one ("mgr" -> manager): expanded the
   same way;
4. a misspelling: a word the embedding model's own vocabulary does not know, close to one
   corpus word ("technicaly" -> technically): replaced;
5. anything else is *uncovered*: a word the articles never use. The answerability rule
   weighs these: a question about a salary figure, a named company or an interview
   format leans on words no passage holds.

Every word a question is read *into* comes from the corpus or the model, never from a
hand-written list. The one list used is assistant.terms' stopwords, the function words
("the", "how") that are never read as content in the first place.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from assistant.terms import STOPWORDS, stem, words

__all__ = ["QuestionReader", "Reading"]

_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9'’]*")
_MIN_PREFIX = 4  # "promo" -> promotion; shorter prefixes ("pro") match too much
_MIN_SPELLING = 4
_SPELLING_CUTOFF = 0.8
_VOWELS = set("aeiou")


@dataclass(frozen=True)
class Reading:
    """A question as the assistant reads it."""

    original: str
    text: str  # with short forms expanded and misspellings corrected
    uncovered: list[str] = field(default_factory=list)  # content words no article uses
    expansions: dict[str, str] = field(default_factory=dict)

    def without(self, word: str) -> str:
        """The question with one word left out (to see how much its meaning rests on it)."""
        return " ".join(re.sub(rf"(?i)(?<![\w'’]){re.escape(word)}(?![\w'’])", "", self.text).split())


class QuestionReader:
    """Reads questions against the corpus's words (``frequency``: each word's count in it)."""

    def __init__(
        self, frequency: Counter[str], glossary: dict[str, str], lexicon: frozenset[str] = frozenset()
    ) -> None:
        self.frequency = frequency
        self.stems = {stem(w) for w in self.frequency}
        self.glossary = {k.lower(): v for k, v in glossary.items()}
        # Words the embedding model knows whole: real words, so never "corrected" ("scared").
        self.lexicon = lexicon
        self._by_initial: dict[str, list[str]] = {}
        for word in sorted(self.frequency):
            if word.isalpha():
                self._by_initial.setdefault(word[0], []).append(word)

    @classmethod
    def from_texts(
        cls, corpus_texts: Iterable[str], glossary: dict[str, str], lexicon: frozenset[str] = frozenset()
    ) -> QuestionReader:
        frequency: Counter[str] = Counter()
        for text in corpus_texts:
            frequency.update(words(text))
        return cls(frequency, glossary, lexicon)

    def covers(self, word: str) -> bool:
        if "'" in word:  # "manager's", "who's", "shouldn't": the word before the clitic
            if word.endswith("n't"):
                return True
            word = word.split("'")[0]
        return word in STOPWORDS or stem(word) in self.stems or word in self.frequency

    def _most_used(self, candidates: list[str]) -> str | None:
        """The most frequent candidate, if all share one stem family (else it is ambiguous)."""
        if not candidates:
            return None
        families = {stem(c)[:_MIN_PREFIX] for c in candidates}
        return max(candidates, key=lambda c: (self.frequency[c], c)) if len(families) == 1 else None

    def _expansion(self, word: str) -> str | None:
        if word in self.glossary:
            return self.glossary[word]
        if word.endswith("s") and word[:-1] in self.glossary:  # "EMs"
            return self.glossary[word[:-1]]
        if not word.isalpha():
            return None
        same_initial = self._by_initial.get(word[0], [])
        if len(word) >= _MIN_PREFIX:
            prefix_of = [w for w in same_initial if w.startswith(word) and len(w) > len(word)]
            found = self._most_used(prefix_of) or self._most_used(
                [w for w in same_initial if len(w) >= _MIN_PREFIX and word.startswith(w)]
            )
            if found:
                return found
        if len(word) >= 3 and not _VOWELS & set(word):  # "mgr", "mgmt": a consonant skeleton
            return self._most_used([w for w in same_initial if w[-1] == word[-1] and _subsequence(word, w)])
        return None

    def _correction(self, word: str) -> str | None:
        if len(word) < _MIN_SPELLING or word in self.lexicon or not word.isalpha():
            return None
        close = difflib.get_close_matches(word, self._by_initial.get(word[0], []), n=3, cutoff=_SPELLING_CUTOFF)
        return self._most_used(close)

    def read(self, question: str) -> Reading:
        pieces: list[str] = []
        uncovered: list[str] = []
        expansions: dict[str, str] = {}
        position = 0
        for match in _TOKEN.finditer(question):
            token = match.group(0)
            word = token.lower().replace("’", "'")
            pieces.append(question[position : match.end()])
            position = match.end()
            if self.covers(word) or len(word) < 2:
                continue
            expansion = self._expansion(word)
            if expansion is not None:
                expansions[token] = expansion
                pieces.append(f" ({expansion})")
                continue
            correction = self._correction(word)
            if correction is not None:
                pieces[-1] = pieces[-1][: len(pieces[-1]) - len(token)] + correction
                expansions[token] = correction
                continue
            if words(word) and all(not self.covers(w) for w in words(word)):
                uncovered.append(word)
        pieces.append(question[position:])
        return Reading(question, "".join(pieces), list(dict.fromkeys(uncovered)), expansions)


def _subsequence(short: str, word: str) -> bool:
    letters = iter(word)
    return all(ch in letters for ch in short)
