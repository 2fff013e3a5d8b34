"""Request ids and one log line per request (method, path, status, milliseconds).

A plain ASGI middleware, so streamed responses pass through untouched. Headers are
never logged, so neither is the API key.
"""

from __future__ import annotations

import logging
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BodySizeLimitMiddleware", "RequestLogMiddleware", "body_was_cut"]

log = logging.getLogger("assistant.server")


class RequestLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if given and len(given) <= 64 and given.isprintable() else uuid.uuid4().hex[:16]
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 0

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
                request_id, scope["method"], scope["path"], status, (time.perf_counter() - started) * 1000,
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
