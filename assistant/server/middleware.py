"""Request ids and one log line per request (method, path, route, status, milliseconds).

A plain ASGI middleware, so streamed responses pass through untouched. Headers are
never logged, so neither is the API key. Whatever of the request does reach the line
(method, path, request id) is escaped first: a path with `%0A` or an ANSI escape must
not write a second, forged log line or repaint the operator's terminal. The same values go
on the record as fields, for the JSON log format (assistant/server/logs.py). The question is
logged only when the operator asked for it (ASSISTANT_LOG_QUESTIONS=true), repr-escaped.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Sequence
from typing import Protocol
from urllib.parse import quote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.server.error_shape import body_too_large
from assistant.server.logs import request_context

__all__ = [
    "BodySizeLimitMiddleware",
    "RequestLogMiddleware",
    "RequestObserver",
    "ResponseStatus",
    "body_was_cut",
    "loggable",
    "loggable_path",
    "request_id_of",
    "route_template",
]

log = logging.getLogger("assistant.server")

# A client's own X-Request-ID is kept only if it is a plain token: it goes into our log
# lines and back out in a response header.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
# RFC 3986 pchar and "/": what may stand in a path unencoded. Everything else (spaces,
# controls, "%", non-ASCII) is percent-encoded again, as it came over the wire.
_PATH_SAFE = "/!$&'()*+,;=:@-._~"
_MAX_LOGGED_CHARS = 300


def loggable(text: str, limit: int = _MAX_LOGGED_CHARS) -> str:
    """Text from a request made fit for one log line: ASCII only, with every control,
    invisible or non-ASCII character (and the backslash) as a Python backslash escape."""
    cut = text[:limit]
    escaped = cut.encode("unicode_escape").decode("ascii")
    return escaped + ("..." if len(text) > limit else "")


def loggable_path(path: str, limit: int = _MAX_LOGGED_CHARS) -> str:
    """A request path for a log line: percent-encoded again, so `/v1/ask` reads as it is
    and a decoded newline or ESC shows as %0A or %1B."""
    encoded = quote(path, safe=_PATH_SAFE, errors="backslashreplace")
    return encoded[:limit] + ("..." if len(encoded) > limit else "")


def request_id_of(scope: Scope) -> str:
    return scope.get("state", {}).get("request_id", "-")


UNMATCHED = "unmatched"


def route_template(scope: Scope, outer_root_path: str = "") -> str:
    """The route that answered, as its template (`/v1/ask`), or `unmatched`; never the raw path,
    so what a client sends cannot multiply metric series. A mounted app's routes come under
    the mount's path: a Mount (the UI at /ui) extends root_path, and FastAPI puts the matched
    route in scope["route"]."""
    mount = scope.get("root_path", "")[len(outer_root_path):]
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    if isinstance(path, str):
        return mount + path
    return f"{mount}/{{rest}}" if mount else UNMATCHED


class RequestObserver(Protocol):
    def request_done(self, route: str, method: str, status: int, seconds: float) -> None: ...


class ResponseStatus:
    """An ASGI send that notes the status of the response it starts (0 until one starts: the
    client went away first), adding ``headers`` to it. The one such wrapper, for the request
    log (and the metrics it reports to) and for the middleware that turns an escaped error
    into a 500 only while no response has started."""

    def __init__(self, send: Send, headers: Sequence[tuple[bytes, bytes]] = ()) -> None:
        self.send = send
        self.headers = list(headers)
        self.status = 0

    @property
    def started(self) -> bool:
        return self.status != 0

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            if self.headers:
                message["headers"] = [*message.get("headers", []), *self.headers]
        await self.send(message)


class RequestLogMiddleware:
    """One log line per request, and its count and time for the metrics (``observer``)."""

    def __init__(self, app: ASGIApp, log_questions: bool = False, observer: RequestObserver | None = None) -> None:
        self.app = app
        self.log_questions = log_questions
        self.observer = observer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex[:16]
        scope.setdefault("state", {})["request_id"] = request_id
        context = {"request_id": request_id}
        token = request_context.set(context)
        outer_root_path = scope.get("root_path", "")
        started = time.perf_counter()
        response = ResponseStatus(send, [(b"x-request-id", request_id.encode())])
        escaped = False
        try:
            await self.app(scope, receive, response)
        except Exception:
            escaped = True  # only from a middleware outside UnexpectedErrorMiddleware
            raise
        finally:
            request_context.reset(token)
            seconds = time.perf_counter() - started
            status = response.status or (500 if escaped else 0)
            route = route_template(scope, outer_root_path)
            if self.observer is not None:
                self.observer.request_done(route, scope["method"], status, seconds)
            self._log(scope, context, route, status, seconds)

    def _log(self, scope: Scope, context: dict, route: str, status: int, seconds: float) -> None:
        request_id, ms = context["request_id"], round(seconds * 1000, 1)
        fields = {
            "request_id": request_id,
            "method": loggable(scope["method"]),
            "route": route,
            "path": loggable_path(scope["path"]),
            "status": status,
            "ms": ms,
        }
        line = "request_id=%s %s %s -> %s in %.0f ms"
        values: tuple = (request_id, fields["method"], fields["path"], status, ms)
        if self.log_questions and "question" in context:
            fields["question"] = context["question"]  # a JSON string field; repr-escaped in the text
            line += " question=%s"
            values += (repr(context["question"][:_MAX_LOGGED_CHARS]),)
        log.info(line, *values, extra=fields)


TOO_LARGE = "body_too_large"  # flag in scope["state"]: the body was cut at the limit


def body_was_cut(scope: Scope) -> bool:
    return bool(scope.get("state", {}).get(TOO_LARGE))


class BodySizeLimitMiddleware:
    """Refuse a body over the limit, in the API's error shape (413).

    FastAPI's own max_body_size answers in Starlette's plain text from outside the app's
    exception handlers, so the limit is kept here: a declared Content-Length is checked
    at once; a body without one is counted as it is read and cut at the limit, with a
    flag that the error handlers and require_json turn into the 413 (FastAPI would turn
    an exception raised while reading into a 400).
    """

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            await body_too_large(self.max_body_bytes)(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    scope.setdefault("state", {})[TOO_LARGE] = True
                    return {"type": "http.request", "body": b"", "more_body": False}
            return message

        await self.app(scope, counting_receive, send)
