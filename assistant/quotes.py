"""Quote selection: the article's own sentences that best answer a question.

Sentences are ranked across all retrieved passages, not passage by passage: the passage
closest to the question as a whole is not always the one holding the sentence that
answers it ("Does an engineering manager still need technical experience?" is closer to
the Q&A that mentions managers ten times than to the two-line section that answers it).
A sentence's rank adds

- its meaning: cosine similarity to the question;
- its words: the idf-weighted share of the question's terms the sentence and its section
  heading hold (the heading says what a sentence is about: "Top skills: ..." answers a
  question about engineering managers only under "Engineering manager");
- its passage's similarity to the question, so that a passage about the subject wins ties;
- a small head start for the opening sentences of a passage, where a direct answer sits
  ("It depends. In an engineering-driven company ...").

A "why" question takes a claim with the sentence after it, which is where an article
gives its reason; the candidate pairs come from assistant.evidence.
"""

from __future__ import annotations

from collections.abc import Callable

from assistant.evidence import Evidence, PassageEvidence, Vector
from assistant.similarity import dot
from assistant.terms import idf_share, terms, words

__all__ = ["MIN_QUOTE_WORDS", "select_quotes"]

MIN_QUOTE_WORDS = 6
POSITION_BONUS = 0.1
COVERAGE_WEIGHT = 0.3
PASSAGE_WEIGHT = 0.5
_REASON_WORDS = {"why"}


def select_quotes(
    evidence: PassageEvidence,
    question: str,
    count: int,
    exclude: list[Evidence],
    idf: Callable[[str], float] = lambda _term: 1.0,
    question_vector: Vector | None = None,
) -> list[Evidence]:
    """Up to ``count`` quotable sentences, none overlapping ``exclude``, best first.
    ``question_vector``: the question's vector when the caller has it (the retriever's cache)."""
    if question_vector is None:
        question_vector = evidence.embed_many([question])[0]
    wanted = terms(question)
    asks_why = bool(_REASON_WORDS & set(words(question)))
    passages = evidence.passages
    ranked: list[tuple[float, Evidence]] = []
    for index, passage in enumerate(passages):
        heading = set(terms(passage.section))
        body = [
            (candidate, vector)
            for candidate, vector in evidence.by_passage[index]
            if not candidate.label and not candidate.text.rstrip().endswith("?")
        ]
        singles = [c for c, _ in body if c.single]
        order_of = {c.start: order for order, c in enumerate(singles)}
        # A "why" takes each claim with the sentence after it (its pair); otherwise sentences.
        paired = {c.start for c, _ in body if not c.single}
        if asks_why:
            body = [(c, v) for c, v in body if not c.single or c.start not in paired]
        else:
            body = [(c, v) for c, v in body if c.single]
        for candidate, vector in body:
            if len(candidate.text.split()) < MIN_QUOTE_WORDS:
                continue
            order = order_of.get(candidate.start, len(singles))
            score = (
                dot(question_vector, vector)
                + COVERAGE_WEIGHT * idf_share(wanted, heading | set(terms(candidate.text)), idf)
                + PASSAGE_WEIGHT * passage.score
                + POSITION_BONUS * (len(singles) - order) / max(len(singles), 1)
            )
            ranked.append((score, candidate))
    ranked.sort(key=lambda item: -item[0])
    taken = [(e.start, e.end) for e in exclude]
    chosen: list[Evidence] = []
    for _score, candidate in ranked:
        if len(chosen) == count:
            break
        if any(candidate.start < end and start < candidate.end for start, end in taken):
            continue
        chosen.append(candidate)
        taken.append((candidate.start, candidate.end))
    return chosen
