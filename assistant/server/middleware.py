"""Request ids and one log line per request (method, path, status, milliseconds).

A plain ASGI middleware, so streamed responses pass through untouched. Headers are
never logged, so neither is the API key. Whatever of the request does reach the line
(method, path, request id) is escaped first: a path with `%0A` or an ANSI escape must
not write a second, forged log line or repaint the operator's terminal.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from urllib.parse import quote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "BodySizeLimitMiddleware",
    "RequestLogMiddleware",
    "body_was_cut",
    "loggable",
    "loggable_path",
    "request_id_of",
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


class RequestLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex[:16]
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 0  # stays 0 only if the client went away before any response started

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            log.info(
                "request_id=%s %s %s -> %s in %.0f ms",
                request_id,
                loggable(scope["method"]),
                loggable_path(scope["path"]),
                status,
                (time.perf_counter() - started) * 1000,
            )


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
            from assistant.server.errors import body_too_large

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
