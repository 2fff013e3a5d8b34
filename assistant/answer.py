"""What the assistant returns: an answer, its cited sentences and the citations.

These are the shapes of `assistant ask --json`, of the HTTP API and of the UI's data,
so they are pydantic models: one definition, validated and serialised the same way.
"""

from __future__ import annotations

from typing import Literal
from uuid import uuid4

from pydantic import BaseModel, Field

__all__ = ["Answer", "AnswerEvent", "AnswerSentence", "Citation", "Timings"]


class Citation(BaseModel):
    id: int = Field(description="The marker number: [id] in the answer text.")
    chunk_id: str
    source: str
    title: str
    author: str = ""
    section: str
    quote: str = Field(description="The exact passage text used, equal to the cleaned source at [start:end].")
    start: int = Field(description="Character offset of the quote in the cleaned source.")
    end: int
    score: float = Field(description="Cosine similarity of the cited chunk to the question.")


class AnswerSentence(BaseModel):
    text: str = Field(description="The sentence as shown, without its markers.")
    citations: list[int]
    origin: Literal["model", "quote"] = Field(
        description="model: written by the LLM and checked against its citation; quote: the article's own words."
    )


class Timings(BaseModel):
    retrieval: float = 0.0
    first_token: float | None = None
    generation: float = 0.0
    total: float = 0.0


class Answer(BaseModel):
    id: str = Field(
        default_factory=lambda: uuid4().hex,
        description="This answer's id: rate it with POST /v1/feedback (a chat completion's id is chatcmpl-<id>).",
    )
    question: str
    standalone_question: str
    answer: str
    sentences: list[AnswerSentence] = []
    citations: list[Citation] = []
    abstained: bool = False
    grounded: bool = True
    backend: str
    index_version: str = Field("", description="The version of the index the answer came from.")
    closest_sections: list[str] = Field(default=[], description="With an abstention: the nearest sections.")
    notes: list[str] = Field(default=[], description="What the guard did, in words: removed, re-cited, fell back.")
    timings_ms: Timings = Timings()


class AnswerEvent(BaseModel):
    """One step of a streamed answer: text deltas, then the citations, then the whole answer."""

    event: Literal["token", "citations", "done"]
    text: str = ""
    citations: list[Citation] = []
    answer: Answer | None = None
