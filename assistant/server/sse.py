"""Server-Sent Events for answers that must be admitted before the response starts.

FastAPI's own SSE (a path operation that yields) starts the 200 response before the
first event exists; an answer must first get its place at the LLM, so that a full line
is a real 503 and not an error event. So the first event is taken eagerly in the path
operation, and the stream that follows is encoded with FastAPI's format_sse_event.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any

from fastapi.responses import StreamingResponse
from fastapi.sse import format_sse_event
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from assistant.server.disconnect import cancel_on_disconnect
from assistant.server.errors import stack_without_messages

__all__ = ["SSE_EVENT_SCHEMA", "event_stream", "sse"]

# One event on the wire, as OpenAPI 3.2 describes Server-Sent Events (FastAPI uses the same).
SSE_EVENT_SCHEMA = {
    "type": "object",
    "properties": {
        "data": {"type": "string"},
        "event": {"type": "string"},
        "id": {"type": "string"},
        "retry": {"type": "integer", "minimum": 0},
    },
}

log = logging.getLogger("assistant.server")

Encoded = Callable[[Any], Iterable[bytes]]


async def event_stream(
    request: Request,
    answer: Callable[[threading.Event], Iterator[Any]],
    encode: Encoded,
    on_error: Callable[[Exception], bytes],
) -> StreamingResponse:
    """Take the first event now (raising Busy, QueueTimeout ... as HTTP errors), stream the rest.

    ``answer(cancel)`` gives the events; cancel is set when the client goes away (or the
    stream ends), so an abandoned answer frees the model at once. An error after the
    response has started becomes an event from on_error, not a cut connection.
    """
    cancel = threading.Event()
    events = answer(cancel)
    done = object()
    first = await run_in_threadpool(next, events, done)

    async def body() -> AsyncIterator[bytes]:
        async with cancel_on_disconnect(request, cancel):
            try:
                event = first
                while event is not done:
                    for piece in encode(event):
                        yield piece
                    event = await run_in_threadpool(next, events, done)
            except Exception as error:
                log.error("error while streaming an answer\n%s", stack_without_messages(error))
                yield on_error(error)
            finally:
                cancel.set()  # a client that went away (the task is cancelled here) stops the model too

    return StreamingResponse(body(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


def sse(event: str | None, payload: Any) -> bytes:
    """One event: `event: name` (when named) and `data: <json>`; "[DONE]" is sent as is."""
    data = payload if payload == "[DONE]" else json.dumps(payload, ensure_ascii=False)
    return format_sse_event(event=event, data_str=data)
