"""What the feedback store keeps: of an answer, what a person needs to judge it later, and
of a rating, its sign, the reader's words and the time. Nothing about who asked or rated."""

from __future__ import annotations

import json
from dataclasses import dataclass

from assistant.answer import Answer

__all__ = ["AnswerRecord", "StoredAnswer"]


@dataclass(frozen=True)
class AnswerRecord:
    """An answer as stored: the question as read, the text, its citations (as JSON, which is
    also how it stays small while it waits in memory for a rating), the outcome and where it
    came from (the backend, the index version), and when (Unix seconds)."""

    id: str
    question: str
    standalone_question: str
    answer: str
    citations: str
    abstained: bool
    backend: str
    index_version: str
    created: float

    @classmethod
    def of(cls, answer: Answer, created: float) -> AnswerRecord:
        citations = json.dumps([c.model_dump() for c in answer.citations], ensure_ascii=False)
        return cls(
            id=answer.id,
            question=answer.question,
            standalone_question=answer.standalone_question,
            answer=answer.answer,
            citations=citations,
            abstained=answer.abstained,
            backend=answer.backend,
            index_version=answer.index_version,
            created=created,
        )

    @property
    def question_as_read(self) -> str:
        """The question the assistant answered: a follow-up made standalone, short forms spelt out."""
        return self.standalone_question or self.question

    def citation_list(self) -> list[dict]:
        return json.loads(self.citations)


@dataclass(frozen=True)
class StoredAnswer:
    """A stored answer with its rating (None: not rated, kept because questions are logged)."""

    record: AnswerRecord
    rating: int | None = None
    comment: str = ""
    rated: float | None = None

    @property
    def reason(self) -> str | None:
        """Why it is a gap to look at: "abstained", "down-voted", or None."""
        if self.record.abstained:
            return "abstained"
        return "down-voted" if self.rating == -1 else None
