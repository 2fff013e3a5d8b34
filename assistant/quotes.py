"""Quote selection: the article's own sentences that best answer a question.

They come from the passage closest to the question first (a Q&A answer, or the section
that defines the term asked about), then from the next ones if needed.
"""

from __future__ import annotations

from assistant.evidence import Evidence, PassageEvidence
from assistant.similarity import dot

__all__ = ["MIN_QUOTE_WORDS", "select_quotes"]

MIN_QUOTE_WORDS = 6
# A direct answer comes first: in a Q&A pair or a section the opening sentences carry it
# ("It depends. In an engineering-driven company ..."), so they get a small head start
# over later, merely similar ones.
POSITION_BONUS = 0.1


def select_quotes(evidence: PassageEvidence, question: str, count: int, exclude: list[Evidence]) -> list[Evidence]:
    """Up to ``count`` quotable sentences, none overlapping ``exclude``, best passage first."""
    question_vector = evidence.embed_many([question])[0]
    passages = evidence.passages
    taken = [(e.start, e.end) for e in exclude]
    chosen: list[Evidence] = []
    for index in sorted(range(len(passages)), key=lambda i: -passages[i].score):
        body = [
            (candidate, vector)
            for candidate, vector in evidence.by_passage[index]
            if candidate.single and not candidate.label and not candidate.text.rstrip().endswith("?")
        ]
        ranked = sorted(
            (
                (dot(question_vector, vector) + POSITION_BONUS * (len(body) - order) / len(body), candidate)
                for order, (candidate, vector) in enumerate(body)
                if len(candidate.text.split()) >= MIN_QUOTE_WORDS
            ),
            key=lambda item: -item[0],
        )
        for _score, candidate in ranked:
            if len(chosen) == count:
                break
            if any(candidate.start < end and start < candidate.end for start, end in taken):
                continue
            chosen.append(candidate)
            taken.append((candidate.start, candidate.end))
    return sorted(chosen, key=lambda e: (-passages[e.passage].score, e.start))
