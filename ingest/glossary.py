"""The corpus's own short forms, derived at ingest and stored with the index.

Readers write "PM", "EM" or "eng" where the article writes "Product Management",
"Engineering manager" or "engineering". The map from short to long form is read off the
corpus, never written by hand, so a new article brings its own:

- initials of the headings and of capitalised multi-word terms ("Product Management" -> pm,
  "Engineering manager" -> em), two or three content words long;
- truncations the corpus itself uses next to their long form: a short word that begins a
  longer one and shares a neighbour with it ("eng management" beside "engineering
  management" -> eng = engineering).

Written by hand because no library derives abbreviations from a text this small: the
acronym extractors (Schwartz-Hearst and kin) need "long form (SF)" definitions, which
articles like this one never write.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from collections.abc import Iterable

from langchain_core.documents import Document

__all__ = ["derive_glossary"]

_WORD = re.compile(r"[A-Za-z]+")
_CAPITALISED_RUN = re.compile(r"(?<![.!?:\n]\s)(?<!^)\b([A-Z][a-z]+(?:\s+[A-Z][a-z]+){1,2})\b", re.M)
# Function words never start or make an initial ("Q & A", "Myths about ...").
_FUNCTION_WORDS = frozenset("a an and are as at be by etc for from in into is it of on or the to with about vs".split())
_MIN_TRUNCATION, _MAX_TRUNCATION = 3, 5
# An inflection ("bring" -> "bringing", "work" -> "working") adds at most three letters.
_MIN_EXTRA_LETTERS = 4


def _phrases(documents: Iterable[Document]) -> Counter[str]:
    """Candidate long forms: headings of two or three content words, and capitalised runs
    inside sentences (a sentence's first word is capitalised for another reason)."""
    found: Counter[str] = Counter()
    for document in documents:
        section = str(document.metadata.get("section", ""))
        for part in re.split(r"\s+>\s+|\s+/\s+", section):
            found[part.strip()] += 1
        for match in _CAPITALISED_RUN.finditer(document.page_content):
            found[match.group(1)] += 1
    kept: Counter[str] = Counter()
    for phrase, count in found.items():
        words = phrase.split()
        if 2 <= len(words) <= 3 and all(w.isalpha() and w.lower() not in _FUNCTION_WORDS for w in words):
            kept[" ".join(w.lower() for w in words)] += count
    return kept


def _initials(documents: list[Document]) -> dict[str, str]:
    phrases = set(_phrases(documents))
    uses: Counter[str] = Counter()  # each phrase's uses in the text, counted in one pass
    for document in documents:
        words = [w.lower() for w in _WORD.findall(document.page_content)]
        for size in (2, 3):
            for i in range(len(words) - size + 1):
                if (gram := " ".join(words[i : i + size])) in phrases:
                    uses[gram] += 1
    by_initials: defaultdict[str, list[tuple[int, str]]] = defaultdict(list)
    for phrase in phrases:
        by_initials["".join(w[0] for w in phrase.split())].append((uses[phrase], phrase))
    glossary = {}
    for short, candidates in by_initials.items():
        candidates.sort(reverse=True)
        # Two long forms equally common: the short form is ambiguous, so it stands for neither.
        if len(candidates) == 1 or candidates[0][0] > candidates[1][0]:
            glossary[short] = candidates[0][1]
    return glossary


def _truncations(documents: list[Document]) -> dict[str, str]:
    contexts: defaultdict[str, set[tuple[str, str]]] = defaultdict(set)
    frequency: Counter[str] = Counter()
    for document in documents:
        words = [w.lower() for w in _WORD.findall(document.page_content)]
        frequency.update(words)
        for i, word in enumerate(words):
            if i > 0 and words[i - 1] not in _FUNCTION_WORDS:
                contexts[word].add(("before", words[i - 1]))
            if i + 1 < len(words) and words[i + 1] not in _FUNCTION_WORDS:
                contexts[word].add(("after", words[i + 1]))
    vocabulary = sorted(frequency)
    glossary = {}
    for short in vocabulary:
        if not _MIN_TRUNCATION <= len(short) <= _MAX_TRUNCATION or short in _FUNCTION_WORDS:
            continue
        # The words that start with it sit together in the sorted vocabulary.
        first = bisect.bisect_right(vocabulary, short)
        last = bisect.bisect_left(vocabulary, short + "{", first)  # "{" sorts after every letter
        longer = [
            (len(contexts[short] & contexts[w]), frequency[w], w)
            for w in vocabulary[first:last]
            if len(w) >= len(short) + _MIN_EXTRA_LETTERS
        ]
        shared = [c for c in longer if c[0] > 0]
        if shared:
            glossary[short] = max(shared)[2]
    return glossary


def derive_glossary(documents: Iterable[Document]) -> dict[str, str]:
    """Short form (lower case) -> long form (lower case), from the chunks of every article."""
    documents = list(documents)
    return {**_truncations(documents), **_initials(documents)}
