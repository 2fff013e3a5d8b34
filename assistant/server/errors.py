"""One error shape for every failure: {"error": {"type", "message", "details"}}.

Validation errors keep FastAPI's status (422) but get a sentence a person can act on;
malformed JSON is a 400; anything unexpected is a 500 with no stack trace in it, and its
log entry holds the stack but not the exception's message (which may quote the user).
"""

from __future__ import annotations

import logging
import traceback

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.errors import Busy, QuestionError, QueueTimeout, SetupError
from assistant.server.middleware import body_was_cut, loggable, loggable_path, request_id_of
from assistant.server.schemas import ErrorResponse

__all__ = [
    "ERROR_RESPONSES",
    "UnexpectedErrorMiddleware",
    "body_too_large",
    "error_response",
    "install_error_handlers",
    "log_unexpected",
    "stack_without_messages",
]

log = logging.getLogger("assistant.server")

_TYPES = {
    400: "invalid_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    503: "unavailable",
    504: "timeout",
}


def error_response(status: int, message: str, type_: str | None = None, details=None, headers=None) -> JSONResponse:
    body = {"error": {"type": type_ or _TYPES.get(status, "error"), "message": message, "details": details or []}}
    return JSONResponse(body, status_code=status, headers=headers)


def body_too_large(limit: int) -> JSONResponse:
    return error_response(413, f"the request body is too large (over {limit} bytes)", "body_too_large")


def internal_error() -> JSONResponse:
    return error_response(500, "the assistant failed unexpectedly; the error is in the server log", "internal")


def stack_without_messages(error: BaseException) -> str:
    """The traceback of an error and of the errors it came from, with type names and
    frames but no messages: a message may quote the request (a UnicodeEncodeError quotes
    the whole text it failed on), and the request is not the log's to keep."""
    chain: list[BaseException] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    parts = []
    for exc in reversed(chain):  # oldest first, as Python prints a chain
        parts.append("Traceback (most recent call last; message withheld):\n")
        parts.extend(traceback.format_list(traceback.extract_tb(exc.__traceback__)))
        parts.append(f"{type(exc).__module__}.{type(exc).__qualname__}\n")
    return "".join(parts).rstrip("\n")


def log_unexpected(what: str, scope: Scope, error: BaseException) -> None:
    log.error(
        "%s: request_id=%s %s %s\n%s",
        what,
        request_id_of(scope),
        loggable(scope.get("method", "-")),
        loggable_path(scope.get("path", "-")),
        stack_without_messages(error),
    )


class UnexpectedErrorMiddleware:
    """Any exception escaping the app becomes the 500 in the error shape, here.

    Starlette runs a handler for Exception in ServerErrorMiddleware, outside every other
    middleware: its 500 then has no request id, the request log sees no status (`-> 0`),
    and it re-raises, so uvicorn logs the full traceback, message and all, and drops the
    connection. Installed inside RequestLogMiddleware, this answers first.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started |= message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as error:
            log_unexpected("unexpected error", scope, error)
            if not started:
                await internal_error()(scope, receive, send)
            # A response already under way cannot turn into a 500; uvicorn closes it short.


def _safe(text: str) -> str:
    # Field names can come from the request (an unknown key): a lone surrogate in one
    # could not be encoded as the UTF-8 of the response.
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _describe(errors: list[dict]) -> tuple[str, list[dict]]:
    details = []
    for error in errors:
        where = _safe(".".join(str(part) for part in error.get("loc", ()) if part != "body"))
        message = _safe(str(error.get("msg", "invalid value")).removeprefix("Value error, "))
        details.append({"field": where or "body", "message": message})
    summary = "; ".join(f"{d['field']}: {d['message']}" for d in details)
    return summary or "invalid request", details


def install_error_handlers(app: FastAPI) -> None:
    """The exception handlers, and UnexpectedErrorMiddleware as the innermost middleware:
    call this before adding the others, so the request log and its id wrap the 500 too."""
    app.add_middleware(UnexpectedErrorMiddleware)

    @app.exception_handler(RequestValidationError)
    async def validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        if body_was_cut(request.scope):
            return body_too_large(request.app.state.assistant.settings.max_body_bytes)
        errors = list(exc.errors())
        if any(e.get("type") == "json_invalid" for e in errors):
            return error_response(400, "the request body is not valid JSON")
        summary, details = _describe(errors)
        return error_response(422, summary, details=details)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if body_was_cut(request.scope):
            return body_too_large(request.app.state.assistant.settings.max_body_bytes)
        message = exc.detail if isinstance(exc.detail, str) else "request failed"
        return error_response(exc.status_code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(QuestionError)
    async def question(_: Request, exc: QuestionError) -> JSONResponse:
        return error_response(422, str(exc))

    @app.exception_handler(Busy)
    async def busy(_: Request, exc: Busy) -> JSONResponse:
        return error_response(503, str(exc), "busy", headers={"Retry-After": str(exc.retry_after_s)})

    @app.exception_handler(QueueTimeout)
    async def queue_timeout(_: Request, exc: QueueTimeout) -> JSONResponse:
        return error_response(504, str(exc))

    # The store went away, or the data folder became unusable: the assistant may recover by
    # itself (a Chroma server that comes back), so clients are told to retry.
    @app.exception_handler(SetupError)
    async def setup(_: Request, exc: SetupError) -> JSONResponse:
        return error_response(503, str(exc), "unavailable", headers={"Retry-After": "5"})

    # Only reached by an error in the middlewares outside UnexpectedErrorMiddleware.
    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log_unexpected("unexpected error outside the app", request.scope, exc)
        return internal_error()


ERROR_RESPONSES = {
    status: {"model": ErrorResponse, "description": description}
    for status, description in {
        400: "Malformed JSON, or a parameter this server does not support (`n` other than 1).",
        401: "Missing or wrong API key.",
        413: "Body too large.",
        415: "Body is not JSON.",
        422: "Invalid field (empty question, too long, too much history ...).",
        503: "Not ready, or busy (Retry-After).",
        504: "Waited too long for the model.",
    }.items()
}
