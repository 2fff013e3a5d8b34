"""Request and response bodies of the HTTP API (the answer itself is assistant.answer.Answer)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from assistant.answer import Citation
from assistant.feedback import MAX_COMMENT_CHARS
from assistant.questions import MAX_HISTORY_TURNS, MAX_QUESTION_CHARS, MAX_TURN_CHARS, check_question, clean_text
from assistant.rewrite import Turn

__all__ = [
    "AskRequest",
    "ChatCompletionRequest",
    "ChatMessage",
    "ErrorResponse",
    "FeedbackRequest",
    "FeedbackStored",
    "ModelCard",
    "ModelList",
    "OpenAIErrorResponse",
    "StreamOptions",
    "Health",
    "HistoryTurn",
    "Ready",
    "SourceInfo",
    "SourcesResponse",
]

# Every text of a request passes through assistant.questions here, at the edge: a lone
# surrogate or an over-long turn is a 422 naming the field (QuestionError is a ValueError,
# so pydantic reports its sentence), not a failure deep in the embedding model or the LLM;
# an empty or invisible-only question is a 400 (assistant.server.errors), as OpenAI's is.


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

    # No min_length check here: "" must reach check_question, so it gets the same sentence and
    # status (400) as "   " (pydantic's own would be a 422 "String should have at least 1
    # character"). The schema still says minLength 1.
    question: str = Field(
        max_length=MAX_QUESTION_CHARS,
        examples=["Will I lose my engineering chops?"],
        json_schema_extra={"minLength": 1},
    )
    history: list[HistoryTurn] = Field(
        default=[], max_length=MAX_HISTORY_TURNS, description="Earlier turns, oldest first."
    )
    top_k: int | None = Field(default=None, ge=1, le=20, description="Passages to retrieve.")

    @field_validator("question")
    @classmethod
    def _check_question(cls, value: str) -> str:
        return check_question(value)


RATING_MESSAGE = 'rating must be 1, -1, "up" or "down"'


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer_id: str = Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="The answer's `id` (/v1/ask, the stream's `done` event), or a chat completion's `id`.",
    )
    rating: Literal[1, -1, "up", "down"] = Field(description='1 or "up": helpful; -1 or "down": not helpful.')
    comment: str = Field("", max_length=MAX_COMMENT_CHARS, description="What was wrong or right, in a few words.")

    @field_validator("rating", mode="before")
    @classmethod
    def _exactly(cls, value: Any) -> Any:
        # Strict, before pydantic's lax reading: it takes true and 1.0 as 1, and a huge number
        # gets its own puzzling message. type() is exact: a bool is an int subclass.
        if (type(value) is int and value in (1, -1)) or (type(value) is str and value in ("up", "down")):
            return value
        # A ValueError, which pydantic turns into a 422 naming the field (a TypeError escapes it).
        raise ValueError(RATING_MESSAGE)

    @field_validator("rating")
    @classmethod
    def _as_number(cls, value: int | str) -> int:
        return {"up": 1, "down": -1}.get(value, value)  # type: ignore[arg-type]

    @field_validator("comment")
    @classmethod
    def _clean(cls, value: str) -> str:
        return clean_text(value, "the comment")


class FeedbackStored(BaseModel):
    answer_id: str
    rating: Literal[1, -1]
    stored: Literal[True] = Field(True, description="The rating is on disk (a second one replaces it).")


class ErrorDetail(BaseModel):
    type: str = Field(description="A stable name: invalid_request, unauthorized, busy, timeout, not_ready ...")
    message: str = Field(description="What went wrong and what to do about it.")
    details: list[dict[str, Any]] = []


class ErrorResponse(BaseModel):
    error: ErrorDetail


class OpenAIErrorDetail(ErrorDetail):
    param: str | None = Field(None, description="The request parameter at fault, as OpenAI names it.")
    code: str | None = Field(None, description="OpenAI's code: model_not_found, unsupported_parameter, invalid_value.")


class OpenAIErrorResponse(BaseModel):
    """The error shape on the OpenAI-compatible paths: the project's, plus OpenAI's param and code."""

    error: OpenAIErrorDetail


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Ready(BaseModel):
    status: Literal["ready", "degraded"] = Field(
        "ready",
        description=(
            "degraded: the LLM failed its last turn (answers fall back to the article's quotes), or the vector "
            "store is unreachable or holds no index version to follow (no collection: its data was lost or "
            "reset; or an ingest is filling it): answers come from the index loaded before."
        ),
    )
    backend: str
    chunks: int
    problem: str = Field("", description="With degraded: what failed.")
    in_line: int = Field(0, description="Requests running on or waiting for the LLM.")
    index_version: str = Field(
        "", description="The version of the index served (written by each ingest that changed it; '' before any)."
    )


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


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")  # other keys: 400 naming them (assistant.server.openai_params)

    include_usage: bool | None = Field(
        None, description="Send one more chunk before [DONE], with empty choices and the request's `usage`."
    )


class ChatCompletionRequest(BaseModel):
    # Other OpenAI parameters are judged one by one in assistant.server.openai_params:
    # accepted where they change nothing, a 400 naming them otherwise.
    model_config = ConfigDict(extra="allow")

    model: str = Field("career-assistant", description="The one model: `career-assistant` (404 otherwise).")
    messages: list[ChatMessage] = Field(
        min_length=1,
        max_length=2 * MAX_HISTORY_TURNS + 2,
        description="The last user message is the question; earlier user and assistant messages are history.",
    )
    stream: bool = False
    stream_options: StreamOptions | None = Field(None, description="With stream=true only.")
    n: int | None = Field(default=None, description="Choices to return: only 1 is supported (400 otherwise).")
    max_tokens: int | None = Field(
        default=None, description="Cut the answer text after this many tokens (finish_reason `length`)."
    )
    max_completion_tokens: int | None = Field(default=None, description="The same as max_tokens (the smaller wins).")
    stop: str | list[str] | None = Field(
        default=None, description="Up to 4 sequences: the answer text ends before the first one found."
    )
    # Range-checked (400 naming them), accepted, and without effect: the answer is the
    # article's sentences and the guarded model's, which writes at temperature 0.
    temperature: float | None = Field(default=None, description="0 to 2; does not change the answer.")
    top_p: float | None = Field(default=None, description="0 to 1; does not change the answer.")

    @property
    def token_limit(self) -> int | None:
        limits = [limit for limit in (self.max_tokens, self.max_completion_tokens) if limit is not None]
        return min(limits, default=None)

    @property
    def stop_sequences(self) -> list[str]:
        return [self.stop] if isinstance(self.stop, str) else list(self.stop or [])

    @property
    def include_usage(self) -> bool:
        return bool(self.stream_options and self.stream_options.include_usage)

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
    finish_reason: Literal["stop", "length"] = Field(
        "stop", description="length: cut by max_tokens; stop: the whole answer, or cut at a stop sequence."
    )


class ChatUsage(BaseModel):
    """Tokens as assistant.server.routers.chat counts them: of the messages sent and the text returned."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int

    @classmethod
    def of(cls, prompt_tokens: int, completion_tokens: int) -> ChatUsage:
        return cls(
            prompt_tokens=prompt_tokens, completion_tokens=completion_tokens, total_tokens=prompt_tokens + completion_tokens
        )


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = Field(description="Unix time this server started: the model is its index and LLM as loaded then.")
    owned_by: str = "career-assistant"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[ChatChoice]
    usage: ChatUsage
    citations: list[Citation] = Field(default=[], description="The passages behind the [n] markers.")
    abstained: bool = False
