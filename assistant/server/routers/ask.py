"""POST /v1/ask and /v1/ask/stream: the assistant's own API."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from assistant.answer import Answer, AnswerEvent
from assistant.server.deps import Service, require_api_key, require_json
from assistant.server.disconnect import run_cancellable
from assistant.server.errors import ERROR_RESPONSES
from assistant.server.schemas import AskRequest
from assistant.server.sse import SSE_EVENT_SCHEMA, event_stream, sse

router = APIRouter(prefix="/v1", tags=["ask"], dependencies=[Depends(require_api_key)])

_STREAM_DOC = {
    200: {
        "description": "Server-Sent Events: `token` {text}, one `citations` {citations}, then `done` {answer}; "
        "`error` {error} if something fails mid-stream.",
        "content": {"text/event-stream": {"itemSchema": SSE_EVENT_SCHEMA}},
    }
}


@router.post("/ask", response_model=Answer, responses=ERROR_RESPONSES, dependencies=[Depends(require_json)])
async def ask(body: AskRequest, service: Service, request: Request) -> Answer:
    """Answer a question, with citations; the same object as `assistant ask --json`."""
    return await run_cancellable(request, lambda cancel: service.ask(body.question, body.history, body.top_k, cancel))


def _encode(event: AnswerEvent) -> Iterator[bytes]:
    if event.event == "token":
        yield sse("token", {"text": event.text})
    elif event.event == "citations":
        yield sse("citations", {"citations": [c.model_dump() for c in event.citations]})
    elif event.answer is not None:
        yield sse("done", event.answer.model_dump())


def _error(error: Exception) -> bytes:
    return sse("error", {"error": {"type": "internal", "message": f"the answer failed: {type(error).__name__}"}})


@router.post(
    "/ask/stream",
    response_class=StreamingResponse,
    responses={**ERROR_RESPONSES, **_STREAM_DOC},
    dependencies=[Depends(require_json)],
)
async def ask_stream(body: AskRequest, service: Service, request: Request) -> StreamingResponse:
    """The answer as it is written: text deltas, then the citations, then the whole answer."""
    answer = lambda cancel: service.stream(body.question, body.history, body.top_k, cancel)  # noqa: E731
    return await event_stream(request, answer, _encode, _error)
