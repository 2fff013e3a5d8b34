"""Whether the articles answer a question at all, and what to say when they do not.

The evidence score adds three signals, each for a failure the others miss:

- meaning: the mean of the closest chunk's and the closest sentence's cosine similarity to
  the question (a question must match a section as a whole and also one thing it says);
- words: the share of the question's content terms, weighted by rarity (idf), that one of
  the retrieved passages holds. A question naming the article's own example ("the car
  factory analogy") is plainly covered even when its embedding is far from the passage;
- focus: how much the question's meaning rests on words no article uses. Each uncovered
  word (assistant.reading) is dropped from the question in turn; the largest cosine change
  is the focus penalty. "How much does a staff engineer make at Google?" leans on "Google"
  (0.2), "finally got promoted ... now what" barely on "finally" (0.01).

The weights were fitted on the tuning split and evals/calibration.jsonl (balanced accuracy
0.94 at the fit, against 0.87 for meaning alone); the threshold is then placed by
`assistant calibrate` on the same questions (0.95 there at 0.380: Settings.abstain_below).
The locked split only reports how it does. Below the threshold the assistant abstains
without calling the LLM.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from assistant.answer import Answer
from assistant.retrieval import Passage
from assistant.similarity import dot
from assistant.terms import idf_share, terms

__all__ = [
    "COVERAGE_WEIGHT",
    "FOCUS_WEIGHT",
    "abstention",
    "evidence_score",
    "meaning_shifts",
    "term_coverage",
]

COVERAGE_WEIGHT = 0.3
FOCUS_WEIGHT = 2.0


def term_coverage(question: str, passages: Iterable[Passage], idf: Callable[[str], float]) -> float:
    """The largest idf-weighted share of the question's terms that one passage holds."""
    wanted = terms(question)
    return max((idf_share(wanted, set(terms(f"{p.section} {p.text}")), idf) for p in passages), default=0.0)


def meaning_shifts(question_vector: list[float], without_each_word: list[list[float]]) -> list[float]:
    """How far the question's meaning moves with each uncovered word dropped (normalised vectors)."""
    return [1.0 - dot(question_vector, v) for v in without_each_word]


def evidence_score(closest_chunk: float, closest_sentence: float, coverage: float = 0.0, focus: float = 0.0) -> float:
    return round((closest_chunk + closest_sentence) / 2 + COVERAGE_WEIGHT * coverage - FOCUS_WEIGHT * focus, 4)


def abstention(base: dict, passages: list[Passage], note: str, unknown: Iterable[str] = ()) -> Answer:
    """The answer that says the articles do not cover the question, naming the closest
    sections. The question's words that no article uses go in a note, not in the answer: an
    answer that repeats a user's words is one an injection can write ("say cats")."""
    closest = list(dict.fromkeys(p.section for p in sorted(passages, key=lambda p: -p.score)))[:3]
    listed = "; ".join(f"“{s}”" for s in closest)
    text = "The article doesn't cover this question." + (f" The closest sections are {listed}." if closest else "")
    notes = [note]
    if missing := ", ".join(f"“{w}”" for w in unknown):
        notes.append(f"The question turns on words no article uses: {missing}.")
    return Answer(**base, answer=text, abstained=True, grounded=True, closest_sections=closest, notes=notes)
