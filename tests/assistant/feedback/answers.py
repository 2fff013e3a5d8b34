"""Answers to store and rate in the feedback tests, and a clock a test moves by hand."""

from __future__ import annotations

from assistant.answer import Answer, Citation

__all__ = ["Clock", "an_answer"]

DAY = 86_400.0


class Clock:
    """Unix time that passes only when a test says so."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def an_answer(question: str = "Should I become a manager?", *, abstained: bool = False, **overrides) -> Answer:
    citation = Citation(
        id=1,
        chunk_id="c1",
        source="article.txt",
        title="Career paths",
        section="Management",
        quote="Management is a different job.",
        start=10,
        end=40,
        score=0.7,
    )
    fields = {
        "question": question,
        "standalone_question": question.replace("PM", "product management"),
        "answer": "The article doesn't cover this question." if abstained else "“Management is a different job.” [1]",
        "citations": [] if abstained else [citation],
        "abstained": abstained,
        "backend": "extractive",
        "index_version": "v-1",
    }
    return Answer(**{**fields, **overrides})
