"""Sentence borders, one rule for all: quotes, their offsets, the guard and the model's output
are all cut at the same places.

Written by hand: a few regular expressions do it, and the tokenisers of NLP libraries bring
models and downloads for what the article's plain English does not need.
"""

from __future__ import annotations

import re

__all__ = ["sentence_spans"]

# A sentence ends at . ! or ? (closing quotes/brackets allowed) before white space, or at a
# line break; "e.g. set up" is not a border because the next word is lower case.
_SENTENCE_BORDER = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])|\n+")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of text, white space trimmed."""
    spans: list[tuple[int, int]] = []
    start = 0
    for border in _SENTENCE_BORDER.finditer(text):
        spans.append((start, border.start() + len(border.group(0).rstrip())))
        start = border.end()
    spans.append((start, len(text)))
    trimmed = []
    for begin, end in spans:
        piece = text[begin:end]
        if piece.strip():
            lead = len(piece) - len(piece.lstrip())
            trimmed.append((begin + lead, begin + len(piece.rstrip())))
    return trimmed
