"""POST /v1/chat/completions and GET /v1/models: OpenAI-compatible, so existing OpenAI
clients and chat front-ends can talk to the assistant. The answer keeps its [n] markers;
the citations come in an extra `citations` field."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import StreamingResponse

from assistant.answer import AnswerEvent
from assistant.server.deps import Service, require_api_key, require_json
from assistant.server.disconnect import run_cancellable
from assistant.server.errors import ERROR_RESPONSES
from assistant.server.schemas import ChatChoice, ChatChoiceMessage, ChatCompletion, ChatCompletionRequest
from assistant.server.sse import SSE_EVENT_SCHEMA, event_stream, sse

router = APIRouter(prefix="/v1", tags=["openai"], dependencies=[Depends(require_api_key)])
MODEL = "career-assistant"


def _refuse_unsupported(body: ChatCompletionRequest) -> None:
    # A client asking for n choices and silently getting one would think it got them all.
    if body.n not in (None, 1):
        message = f"n={body.n} is not supported: this server returns one choice; leave `n` out or send 1"
        raise HTTPException(400, message)


@router.get("/models")
def models() -> dict:
    """The one model this server offers."""
    return {"object": "list", "data": [{"id": MODEL, "object": "model", "created": 0, "owned_by": "career-assistant"}]}


@router.post(
    "/chat/completions",
    response_model=ChatCompletion,
    responses={
        **ERROR_RESPONSES,
        200: {
            "description": "A chat.completion, or with stream=true Server-Sent Events of chat.completion.chunk "
            "objects, the last one carrying `citations`, then `data: [DONE]`.",
            "content": {"text/event-stream": {"itemSchema": SSE_EVENT_SCHEMA}},
        },
    },
    dependencies=[Depends(require_json)],
)
async def chat_completions(
    body: ChatCompletionRequest, service: Service, request: Request
) -> ChatCompletion | StreamingResponse:
    """Chat completions in OpenAI's shape (stream and non-stream), model `career-assistant`."""
    _refuse_unsupported(body)
    question, history = body.question_and_history()
    completion_id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
    created = int(time.time())
    if not body.stream:
        answer = await run_cancellable(request, lambda cancel: service.ask(question, history, cancel=cancel))
        return ChatCompletion(
            id=completion_id,
            created=created,
            model=MODEL,
            choices=[ChatChoice(message=ChatChoiceMessage(content=answer.answer))],
            citations=answer.citations,
            abstained=answer.abstained,
        )

    def chunk(delta: dict, finish: str | None = None, **extra) -> bytes:
        return sse(
            None,
            {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": MODEL,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                **extra,
            },
        )

    first = True

    def encode(event: AnswerEvent) -> Iterator[bytes]:
        nonlocal first
        if event.event == "token":
            delta = {"content": event.text}
            if first:
                delta["role"] = "assistant"
                first = False
            yield chunk(delta)
        elif event.event == "done" and event.answer is not None:
            citations = [c.model_dump() for c in event.answer.citations]
            yield chunk({}, "stop", citations=citations, abstained=event.answer.abstained)
            yield sse(None, "[DONE]")

    def error(exc: Exception) -> bytes:
        return sse(None, {"error": {"type": "internal", "message": f"the answer failed: {type(exc).__name__}"}})

    return await event_stream(request, lambda cancel: service.stream(question, history, cancel=cancel), encode, error)
