"""The API's error body, {"error": {"type", "message", "details"}} (OpenAI's `param` and
`code` too on its paths), built here for every layer that answers an error: the exception
handlers (errors.py), the middleware that refuses a body before any handler runs, and the
UI's gates. A module of its own, importing nothing of the server, so that none of those
needs another (errors.py imports the middleware's helpers; the middleware only this).
"""

from __future__ import annotations

from fastapi.responses import JSONResponse

__all__ = ["body_too_large", "error_response", "internal_error"]

_TYPES = {
    400: "invalid_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
    503: "unavailable",
    504: "timeout",
}


def error_response(
    status: int,
    message: str,
    type_: str | None = None,
    details=None,
    headers=None,
    *,
    openai: bool = False,
    param: str | None = None,
    code: str | None = None,
) -> JSONResponse:
    error = {"type": type_ or _TYPES.get(status, "error"), "message": message, "details": details or []}
    if openai:
        error |= {"param": param, "code": code}
    return JSONResponse({"error": error}, status_code=status, headers=headers)


def body_too_large(limit: int, openai: bool = False) -> JSONResponse:
    return error_response(413, f"the request body is too large (over {limit} bytes)", "body_too_large", openai=openai)


def internal_error() -> JSONResponse:
    return error_response(500, "the assistant failed unexpectedly; the error is in the server log", "internal")
