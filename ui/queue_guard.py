"""Requests to Gradio's event routes that Gradio itself would fail on, refused in front of it.

Gradio 6 answers some malformed requests to its event routes badly. A stream for a session
(`queue/data?session_hash=`) or an event (`call/<api>/<event_id>`) its queue does not know
answers 200, then raises inside the stream: the server logs a long stack and uvicorn adds
"ASGI callable returned without completing response", at every such request. A request
naming an event handler that does not exist (`fn_index` 999, an unknown API name) is a 500
with a stack; one that runs only in the browser (a `js` handler) or sends too few input
values fails inside the queue. None of this comes from the page; a script or a stale tab
sends it, as often as it likes. Here each gets a 4xx in the API's error shape, and the log
gets nothing but the request line.

It reads what Gradio knows of itself: the Blocks' event handlers (`blocks.fns`: fn_index to
handler, with its api_name, fn and inputs) and the queue's open sessions and events
(`blocks._queue`, the dicts queue/data and call/ look up: Gradio offers no public accessor).
tests/ui/test_queue_guard.py holds Gradio 6.31 to them.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.server.echo import echoed
from assistant.server.errors import body_too_large, error_response
from assistant.server.middleware import body_was_cut

__all__ = ["QueueGuard"]

# The routes that run an event handler (POST) and the streams of their results (GET).
_JOIN = re.compile(r"/gradio_api/queue/join/?")
_NAMED = re.compile(r"/gradio_api/(?P<kind>run|api|call|call/v2)/(?P<api_name>[^/]+)/?")
_QUEUE_STREAM = "/gradio_api/queue/data"
_CALL_STREAM = re.compile(r"/gradio_api/call/(?:v2/)?[^/]+/(?P<event_id>[^/]+)/?")

_NO_SUCH_EVENT = "no such event in this page: reload it"
_NO_SUCH_STREAM = (
    "the chat's queue does not know this session or event (it ended, or the server restarted): reload the page"
)


def _route_path(scope: Scope) -> str:
    """The path inside the mounted app (/gradio_api/...), the mount's own prefix taken off."""
    path, root = scope.get("path", ""), scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path


class QueueGuard:
    """ASGI middleware for the Gradio app (inside the key gate, so only key holders reach it)."""

    def __init__(self, app: ASGIApp, blocks: Any, max_body_bytes: int) -> None:
        self.app = app
        self.blocks = blocks
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route, method = _route_path(scope), scope["method"]
        if method == "GET" and not self._stream_known(route, scope):
            await error_response(404, _NO_SUCH_STREAM)(scope, receive, send)
            return
        named = _NAMED.fullmatch(route)
        if method == "POST" and (_JOIN.fullmatch(route) or named):
            body = await _read_body(receive)
            if body_was_cut(scope):  # a chunked body over the limit, cut by BodySizeLimitMiddleware
                await body_too_large(self.max_body_bytes)(scope, receive, send)
                return
            simple = named is not None and named["kind"].startswith("call")
            by_name = named is not None and named["kind"] == "call/v2"
            refusal = self._refusal(body, named["api_name"] if named else None, simple, by_name)
            if refusal is not None:
                status, field, message = refusal
                details = [{"field": field, "message": message}]
                await error_response(status, message, details=details)(scope, receive, send)
                return
            receive = _replaying(body, receive)
        await self.app(scope, receive, send)

    # -- what Gradio knows ------------------------------------------------------------------
    def _stream_known(self, route: str, scope: Scope) -> bool:
        """False for a result stream Gradio would open and then fail: its session or event
        is not in the queue. True for every other request."""
        queue = getattr(self.blocks, "_queue", None)
        sessions = getattr(queue, "pending_messages_per_session", None)
        if sessions is None:  # not Gradio as we know it: let it answer
            return True
        if route == _QUEUE_STREAM:
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
            given = query.get("session_hash")
            # None at all: FastAPI's own 422. Given twice, FastAPI reads the last one, so do we.
            return given is None or given[-1] in sessions
        call = _CALL_STREAM.fullmatch(route)
        if call is None:
            return True
        # As gradio.routes.simple_predict_get finds the session of an event.
        event_id = call["event_id"]
        event = getattr(queue, "event_ids_to_events", {}).get(event_id)
        if event is not None:
            return event.session_hash in sessions
        pending = getattr(queue, "pending_event_ids_session", {})
        session = next((s for s, ids in pending.items() if event_id in ids), event_id)
        return session in sessions

    def _refusal(
        self, body: bytes, api_name: str | None, simple: bool, named_arguments: bool = False
    ) -> tuple[int, str, str] | None:
        """(status, field, what is wrong) for a request naming an event handler Gradio would
        fail on; None otherwise (a body that is not JSON or not its shape, Gradio refuses
        with a 422 of its own). simple: the call/ routes, whose data may leave out the
        inputs a script does not send (gr.State)."""
        try:
            fields = json.loads(body)
        except (ValueError, RecursionError):
            return None
        if not isinstance(fields, dict):
            return None
        index = fields.get("fn_index")
        if index is not None:
            if not isinstance(index, int) or isinstance(index, bool):
                return None
            fn = self.blocks.fns.get(index)
        else:
            fn = next((f for f in self.blocks.fns.values() if api_name and f.api_name == api_name), None)
        if fn is None or fn.fn is None:  # unknown, or it runs in the browser only
            return (422, "fn_index", _NO_SUCH_EVENT) if index is not None else (404, "api_name", _NO_SUCH_EVENT)
        if named_arguments:  # call/v2: the arguments by name, as gradio_client's construct_args reads them
            return _named_refusal(fn.fn, fields)
        data = fields.get("data")
        needed = sum(not block.skip_api for block in fn.inputs) if simple else len(fn.inputs)
        if isinstance(data, list) and len(data) < needed:
            return 422, "data", f"too few input values for this event: {len(data)} of {needed}"
        return None


def _named_refusal(fn: Callable, arguments: dict) -> tuple[int, str, str] | None:
    """A call/v2 body that names an argument the handler does not take, or leaves out one it
    needs: Gradio's construct_args raises a TypeError there, a 500 with a stack."""
    parameters = inspect.signature(fn).parameters
    unknown = [name for name in arguments if name not in parameters and name != "oauth_token"]
    if unknown:
        return 422, str(unknown[0]), f"this API takes no argument `{echoed(str(unknown[0]), 64)}`"
    missing = [
        name for name, p in parameters.items()
        if p.default is inspect.Parameter.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        and name not in arguments and p.annotation not in ("gr.Request", "Request")
    ]
    if missing:
        return 422, missing[0], f"the argument `{missing[0]}` is required"
    return None


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Callable[[], Any]:
    """A receive that hands the body read here to Gradio, then waits as the original does."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
