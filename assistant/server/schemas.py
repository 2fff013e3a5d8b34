"""Request and response bodies of the HTTP API (the answer itself is assistant.answer.Answer)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.answer import Citation
from assistant.rewrite import Turn
from assistant.questions import MAX_QUESTION_CHARS

__all__ = [
    "AskRequest",
    "ChatCompletionRequest",
    "ChatMessage",
    "ErrorResponse",
    "Health",
    "Ready",
    "SourceInfo",
    "SourcesResponse",
]

MAX_HISTORY_TURNS = 20


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("the question is empty: ask something, e.g. 'Should I become a manager?'")
    return value


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS, examples=["Will I lose my engineering chops?"])
    history: list[Turn] = Field(default=[], max_length=MAX_HISTORY_TURNS, description="Earlier turns, oldest first.")
    top_k: int | None = Field(default=None, ge=1, le=20, description="Passages to retrieve.")

    _check_question = field_validator("question")(_not_blank)


class ErrorDetail(BaseModel):
    type: str = Field(description="A stable name: invalid_request, unauthorized, busy, timeout, not_ready ...")
    message: str = Field(description="What went wrong and what to do about it.")
    details: list[dict[str, Any]] = []


class ErrorResponse(BaseModel):
    error: ErrorDetail


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Ready(BaseModel):
    status: Literal["ready"] = "ready"
    backend: str
    chunks: int


class SourceInfo(BaseModel):
    source: str
    title: str
    author: str
    sections: list[str]
    chunks: int


class SourcesResponse(BaseModel):
    sources: list[SourceInfo]


# -- OpenAI-compatible chat completions ------------------------------------------------------
class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    text: str = ""


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[ContentPart] | None = None

    @property
    def text(self) -> str:
        if isinstance(self.content, list):
            return " ".join(part.text for part in self.content if part.type == "text")
        return self.content or ""


class ChatCompletionRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # temperature, max_tokens ... are accepted and ignored

    model: str = "career-assistant"
    messages: list[ChatMessage] = Field(min_length=1, max_length=2 * MAX_HISTORY_TURNS + 2)
    stream: bool = False


class ChatChoiceMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class ChatChoice(BaseModel):
    index: int = 0
    message: ChatChoiceMessage
    finish_reason: Literal["stop"] = "stop"


class ChatUsage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[ChatChoice]
    usage: ChatUsage = ChatUsage()
    citations: list[Citation] = Field(default=[], description="The passages behind the [n] markers.")
    abstained: bool = False
