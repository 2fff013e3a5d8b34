"""Whether the articles answer a question at all, and what to say when they do not.

The evidence is the mean of the closest chunk's and the closest sentence's cosine
similarity to the question: a question must match a section as a whole and also one
thing it says. Either alone separates in-scope from out-of-scope questions less well
(`python -m evals.calibrate` shows the scores). Below the calibrated threshold the
assistant abstains without calling the LLM.
"""

from __future__ import annotations

from assistant.answer import Answer
from assistant.retrieval import Passage

__all__ = ["abstention", "evidence_score"]


def evidence_score(closest_chunk: float, closest_sentence: float) -> float:
    return round((closest_chunk + closest_sentence) / 2, 4)


def abstention(base: dict, passages: list[Passage], note: str) -> Answer:
    """The answer that says the articles do not cover the question, naming the closest sections."""
    closest = list(dict.fromkeys(p.section for p in sorted(passages, key=lambda p: -p.score)))[:3]
    listed = "; ".join(f"“{s}”" for s in closest)
    text = "The article doesn't cover this question." + (f" The closest sections are {listed}." if closest else "")
    return Answer(**base, answer=text, abstained=True, grounded=True, closest_sections=closest, notes=[note])
