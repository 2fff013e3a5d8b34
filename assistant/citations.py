"""Citations: the one marker syntax ``[n]``, reading markers out of model text, writing them
into answer text, and numbering the cited spans in order of first use."""

from __future__ import annotations

import re

from assistant.answer import AnswerSentence, Citation
from assistant.evidence import Evidence
from assistant.retrieval import Passage
from assistant.sentences import sentence_spans

__all__ = ["MARKER", "CitationList", "render_sentence", "split_cited_sentences"]

# A marker as the model writes it and as answers show it: [1] ... [999].
MARKER = re.compile(r"\s*\[(\d{1,3})\]")
_LEADING_MARKERS = re.compile(r"^(\s*\[\d{1,3}\])+")


def split_cited_sentences(text: str) -> list[tuple[str, list[int]]]:
    """Model text -> [(sentence without markers, [marker numbers])].

    Markers written after the full stop ("... skills. [1] Next") belong to the sentence
    before them.
    """
    pieces = [text[a:b] for a, b in sentence_spans(text)]
    sentences: list[tuple[str, list[int]]] = []
    for piece in pieces:
        leading = _LEADING_MARKERS.match(piece)
        if leading and sentences:
            sentences[-1][1].extend(int(n) for n in re.findall(r"\d+", leading.group(0)))
            piece = piece[leading.end() :]
        markers = [int(n) for n in MARKER.findall(piece)]
        bare = " ".join(MARKER.sub("", piece).split())
        bare = re.sub(r"\s+([.!?,;:])", r"\1", bare).strip()
        if bare:
            sentences.append((bare, markers))
        elif markers and sentences:
            sentences[-1][1].extend(markers)
    return sentences


def render_sentence(sentence: AnswerSentence) -> str:
    """A sentence as the answer shows it: quotes in quotation marks, markers before the stop."""
    markers = "".join(f"[{n}]" for n in sentence.citations)
    if sentence.origin == "quote":
        return f"“{sentence.text}” {markers}"
    text = sentence.text
    if text[-1:] in ".!?":
        return f"{text[:-1]} {markers}{text[-1]}"
    return f"{text} {markers}."


class CitationList:
    """Numbers citations in order of first use; one number per quoted span."""

    def __init__(self, passages: list[Passage]) -> None:
        self.passages = passages
        self.items: list[Citation] = []
        self._ids: dict[tuple[str, int, int], int] = {}

    def cite(self, evidence: Evidence) -> int:
        passage = self.passages[evidence.passage]
        key = (passage.chunk_id, evidence.start, evidence.end)
        if key not in self._ids:
            self._ids[key] = len(self.items) + 1
            self.items.append(
                Citation(
                    id=self._ids[key],
                    chunk_id=passage.chunk_id,
                    source=passage.source,
                    title=str(passage.metadata.get("title", "")),
                    author=str(passage.metadata.get("author", "")),
                    section=passage.section,
                    quote=evidence.text,
                    start=evidence.start,
                    end=evidence.end,
                    score=passage.score,
                )
            )
        return self._ids[key]
