"""One error shape for every failure: {"error": {"type", "message", "details"}}.

Validation errors keep FastAPI's status (422) but get a sentence a person can act on;
malformed JSON is a 400; anything unexpected is a 500 with no stack trace in it.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.errors import Busy, QueueTimeout, QuestionError
from assistant.server.middleware import body_was_cut
from assistant.server.schemas import ErrorResponse

__all__ = ["ERROR_RESPONSES", "body_too_large", "error_response", "install_error_handlers"]

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


def _describe(errors: list[dict]) -> tuple[str, list[dict]]:
    details = []
    for error in errors:
        where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
        details.append({"field": where or "body", "message": message})
    summary = "; ".join(f"{d['field']}: {d['message']}" for d in details)
    return summary or "invalid request", details


def install_error_handlers(app: FastAPI) -> None:
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

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(500, "the assistant failed unexpectedly; the error is in the server log", "internal")


ERROR_RESPONSES = {
    status: {"model": ErrorResponse, "description": description}
    for status, description in {
        400: "Malformed JSON.",
        401: "Missing or wrong API key.",
        413: "Body too large.",
        415: "Body is not JSON.",
        422: "Invalid field (empty question, too long, too much history ...).",
        503: "Not ready, or busy (Retry-After).",
        504: "Waited too long for the model.",
    }.items()
}
