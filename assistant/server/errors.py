"""One error shape for every failure: {"error": {"type", "message", "details"}}.

On the OpenAI-compatible paths (/v1/chat/..., /v1/models...) the error also carries
OpenAI's `param` and `code` (null when they do not apply), so the body is OpenAI's own
shape {"error": {"message", "type", "param", "code"}} as well: OpenAI's SDKs read them
into their exceptions (openai.NotFoundError(code="model_not_found", param="model")).

Validation errors keep FastAPI's status (422) but get a sentence a person can act on;
malformed JSON and an empty question are a 400 (OpenAI's status for an empty message); anything unexpected is a 500 with no stack trace in it, and its
log entry holds the stack but not the exception's message (which may quote the user).
"""

from __future__ import annotations

import logging
import traceback

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from assistant.errors import (
    Busy,
    EmptyQuestionError,
    FeedbackError,
    QuestionError,
    QueueTimeout,
    SetupError,
    UnknownAnswerError,
)
from assistant.server.echo import echoed
from assistant.server.error_shape import body_too_large, error_response, internal_error
from assistant.server.middleware import ResponseStatus, body_was_cut, loggable, loggable_path, request_id_of
from assistant.server.schemas import ErrorResponse, OpenAIErrorResponse

__all__ = [
    "ERROR_RESPONSES",
    "OPENAI_ERROR_RESPONSES",
    "OpenAIError",
    "UnexpectedErrorMiddleware",
    "body_too_large",
    "error_response",
    "install_error_handlers",
    "log_unexpected",
    "stack_without_messages",
]

log = logging.getLogger("assistant.server")



_OPENAI_PATHS = ("/v1/chat/", "/v1/models")


class OpenAIError(StarletteHTTPException):
    """A refusal on the OpenAI-compatible paths that names the parameter at fault and
    OpenAI's code for it (model_not_found, unsupported_parameter, invalid_value ...)."""

    def __init__(self, status: int, message: str, param: str | None = None, code: str | None = None) -> None:
        super().__init__(status, message)
        self.param = param
        self.code = code


def is_openai_path(scope: Scope) -> bool:
    return str(scope.get("path", "")).startswith(_OPENAI_PATHS)


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
        response = ResponseStatus(send)
        try:
            await self.app(scope, receive, response)
        except Exception as error:
            log_unexpected("unexpected error", scope, error)
            if not response.started:
                await internal_error()(scope, receive, send)
            # A response already under way cannot turn into a 500; uvicorn closes it short.


def _safe(text: str) -> str:
    # Field names can come from the request (an unknown key).
    return echoed(text)


def _describe(errors: list[dict]) -> tuple[str, list[dict]]:
    details = []
    for error in errors:
        where = _safe(".".join(str(part) for part in error.get("loc", ()) if part != "body"))
        message = _safe(str(error.get("msg", "invalid value")).removeprefix("Value error, "))
        details.append({"field": where or "body", "message": message})
    summary = "; ".join(f"{d['field']}: {d['message']}" for d in details)
    return summary or "invalid request", details


def _validation_status(errors: list[dict]) -> int:
    """400 when all that is wrong is an empty question ("", spaces, invisible characters):
    OpenAI answers an empty message with 400 invalid_request_error (its SDKs raise
    BadRequestError), and "" and "   " get the same answer. Anything else keeps FastAPI's 422."""
    empty = [e for e in errors if isinstance((e.get("ctx") or {}).get("error"), EmptyQuestionError)]
    return 400 if empty and len(empty) == len(errors) else 422


def install_error_handlers(app: FastAPI) -> None:
    """The exception handlers, and UnexpectedErrorMiddleware as the innermost middleware:
    call this before adding the others, so the request log and its id wrap the 500 too."""
    app.add_middleware(UnexpectedErrorMiddleware)

    @app.exception_handler(RequestValidationError)
    async def validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        openai = is_openai_path(request.scope)
        if body_was_cut(request.scope):
            return body_too_large(request.app.state.assistant.settings.max_body_bytes, openai)
        errors = list(exc.errors())
        if any(e.get("type") == "json_invalid" for e in errors):
            return error_response(400, "the request body is not valid JSON", openai=openai)
        summary, details = _describe(errors)
        param = details[0]["field"] if openai and len(details) == 1 and details[0]["field"] != "body" else None
        return error_response(_validation_status(errors), summary, details=details, openai=openai, param=param)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        openai = is_openai_path(request.scope)
        if body_was_cut(request.scope):
            return body_too_large(request.app.state.assistant.settings.max_body_bytes, openai)
        message = exc.detail if isinstance(exc.detail, str) else "request failed"
        return error_response(
            exc.status_code,
            message,
            headers=getattr(exc, "headers", None),
            openai=openai,
            param=getattr(exc, "param", None),
            code=getattr(exc, "code", None),
        )

    @app.exception_handler(QuestionError)
    async def question(request: Request, exc: QuestionError) -> JSONResponse:
        openai = is_openai_path(request.scope)
        status = 400 if isinstance(exc, EmptyQuestionError) else 422
        return error_response(status, str(exc), openai=openai, param="messages" if openai else None)

    # A rating (POST /v1/feedback): the id names no answer this server knows, or the rating
    # or its comment cannot be stored as given.
    @app.exception_handler(UnknownAnswerError)
    async def unknown_answer(request: Request, exc: UnknownAnswerError) -> JSONResponse:
        return error_response(404, str(exc), openai=is_openai_path(request.scope))

    @app.exception_handler(FeedbackError)
    async def feedback(request: Request, exc: FeedbackError) -> JSONResponse:
        return error_response(400, str(exc), openai=is_openai_path(request.scope))

    @app.exception_handler(Busy)
    async def busy(request: Request, exc: Busy) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after_s)}
        return error_response(503, str(exc), "busy", headers=headers, openai=is_openai_path(request.scope))

    @app.exception_handler(QueueTimeout)
    async def queue_timeout(request: Request, exc: QueueTimeout) -> JSONResponse:
        return error_response(504, str(exc), openai=is_openai_path(request.scope))

    # The store went away, or the data folder became unusable: the assistant may recover by
    # itself (a Chroma server that comes back), so clients are told to retry.
    @app.exception_handler(SetupError)
    async def setup(request: Request, exc: SetupError) -> JSONResponse:
        headers = {"Retry-After": "5"}
        return error_response(503, str(exc), "unavailable", headers=headers, openai=is_openai_path(request.scope))

    # Only reached by an error in the middlewares outside UnexpectedErrorMiddleware.
    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log_unexpected("unexpected error outside the app", request.scope, exc)
        return internal_error()


ERROR_RESPONSES = {
    status: {"model": ErrorResponse, "description": description}
    for status, description in {
        400: "Malformed JSON, or an empty question (nothing but spaces or invisible characters).",
        401: "Missing or wrong API key.",
        413: "Body too large.",
        415: "Body is not JSON.",
        422: "Invalid field (question too long, too much history, wrong types ...).",
        503: "Not ready, or busy (Retry-After).",
        504: "Waited too long for the model.",
    }.items()
}

OPENAI_ERROR_RESPONSES = {
    status: {"model": OpenAIErrorResponse, "description": description}
    for status, description in {
        400: "Malformed JSON, an empty question (the last user message), or a parameter this server does not "
        "honour (`n` other than 1, `tools`, `logprobs` ...), or a value out of range: `param` names it.",
        401: "Missing or wrong API key.",
        404: "Unknown model (`code` model_not_found): this server offers `career-assistant`.",
        413: "Body too large.",
        415: "Body is not JSON.",
        422: "Invalid messages (no user question, too long, too many ...).",
        503: "Not ready, or busy (Retry-After).",
        504: "Waited too long for the model.",
    }.items()
}
