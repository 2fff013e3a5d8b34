"""Request and response bodies of the HTTP API (the answer itself is assistant.answer.Answer)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from assistant.answer import Citation
from assistant.questions import MAX_HISTORY_TURNS, MAX_QUESTION_CHARS, MAX_TURN_CHARS, check_question, clean_text
from assistant.rewrite import Turn

__all__ = [
    "AskRequest",
    "ChatCompletionRequest",
    "ChatMessage",
    "ErrorResponse",
    "Health",
    "HistoryTurn",
    "Ready",
    "SourceInfo",
    "SourcesResponse",
]

# Every text of a request passes through assistant.questions here, at the edge: a lone
# surrogate, an over-long turn or an invisible-only question is a 422 naming the field
# (QuestionError is a ValueError, so pydantic reports its sentence), not a failure deep
# in the embedding model or the LLM.


class HistoryTurn(Turn):
    """An earlier turn as the API takes it: at most MAX_TURN_CHARS, valid Unicode, and
    cleaned of invisible characters (NUL, zero-width, bidi controls) before it is used."""

    content: str = Field(max_length=MAX_TURN_CHARS)

    @field_validator("content")
    @classmethod
    def _clean(cls, value: str) -> str:
        return clean_text(value, "the turn")


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS, examples=["Will I lose my engineering chops?"])
    history: list[HistoryTurn] = Field(
        default=[], max_length=MAX_HISTORY_TURNS, description="Earlier turns, oldest first."
    )
    top_k: int | None = Field(default=None, ge=1, le=20, description="Passages to retrieve.")

    @field_validator("question")
    @classmethod
    def _check_question(cls, value: str) -> str:
        return check_question(value)


class ErrorDetail(BaseModel):
    type: str = Field(description="A stable name: invalid_request, unauthorized, busy, timeout, not_ready ...")
    message: str = Field(description="What went wrong and what to do about it.")
    details: list[dict[str, Any]] = []


class ErrorResponse(BaseModel):
    error: ErrorDetail


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Ready(BaseModel):
    status: Literal["ready", "degraded"] = Field(
        "ready", description="degraded: the LLM failed its last turn; answers fall back to the article's quotes."
    )
    backend: str
    chunks: int
    problem: str = Field("", description="With degraded: what failed.")
    in_line: int = Field(0, description="Requests running on or waiting for the LLM.")


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

    @model_validator(mode="after")
    def _check_text(self) -> ChatMessage:
        # Every message, read or not, is held to what a history turn may be.
        if len(self.text) > MAX_TURN_CHARS:
            raise ValueError(f"a message is longer than {MAX_TURN_CHARS} characters")
        clean_text(self.text, "the message")
        return self


class ChatCompletionRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # other OpenAI parameters are accepted and ignored

    model: str = "career-assistant"
    messages: list[ChatMessage] = Field(
        min_length=1,
        max_length=2 * MAX_HISTORY_TURNS + 2,
        description="The last user message is the question; earlier user and assistant messages are history.",
    )
    stream: bool = False
    n: int | None = Field(default=None, description="Choices to return: only 1 is supported (400 otherwise).")
    # Declared so that a wrong type is a clear 422; their values do not change the answer.
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, ge=0, le=1)
    max_tokens: int | None = Field(default=None, ge=1)

    @field_validator("messages")
    @classmethod
    def _ends_with_a_question(cls, messages: list[ChatMessage]) -> list[ChatMessage]:
        talk = [m for m in messages if m.role in ("user", "assistant")]
        if not talk or talk[-1].role != "user":
            raise ValueError("messages must end with a user message holding the question")
        check_question(talk[-1].text)
        return messages

    def question_and_history(self) -> tuple[str, list[Turn]]:
        """The last user message is the question; earlier user and assistant messages with
        any visible text are the history, the latest MAX_HISTORY_TURNS of them."""
        talk = [m for m in self.messages if m.role in ("user", "assistant")]
        history = [HistoryTurn(role=m.role, content=m.text) for m in talk[:-1]]
        history = [turn for turn in history if turn.content][-MAX_HISTORY_TURNS:]
        return check_question(talk[-1].text), history


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
