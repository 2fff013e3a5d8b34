"""FastAPI dependencies: the loaded service, the API key check."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from starlette.requests import HTTPConnection

from assistant.server.key_attempts import KeyAttempts
from assistant.server.middleware import body_was_cut
from assistant.server.state import AssistantState
from assistant.service import AnswerService

__all__ = [
    "Service", "State", "bearer_key_matches", "checked_bearer", "client_address", "key_matches", "require_api_key",
    "require_json", "too_many_wrong_keys",
]


def get_state(request: Request) -> AssistantState:
    return request.app.state.assistant


State = Annotated[AssistantState, Depends(get_state)]


def get_service(state: State) -> AnswerService:
    if state.service is None:
        raise HTTPException(503, f"the assistant is not ready: {state.reason}", headers={"Retry-After": "5"})
    return state.service


Service = Annotated[AnswerService, Depends(get_service)]


def key_matches(given: str, expected: str) -> bool:
    """In constant time, so the answer's timing tells nothing about the key."""
    return secrets.compare_digest(given.strip().encode(), expected.encode())


def bearer_key_matches(authorization: str, expected: str) -> bool:
    """Whether an `Authorization` header value is `Bearer <expected>` (the API's and the UI's check)."""
    scheme, _, given = authorization.partition(" ")
    return scheme.lower() == "bearer" and key_matches(given, expected)


def client_address(connection: HTTPConnection) -> str:
    return connection.client.host if connection.client else "-"


def too_many_wrong_keys(seconds: int) -> HTTPException:
    return HTTPException(
        429, f"too many wrong API keys from this address: try again in {seconds} s", headers={"Retry-After": str(seconds)}
    )


def checked_bearer(connection: HTTPConnection, expected: str, attempts: KeyAttempts) -> bool:
    """Whether the request's Bearer header holds the key; a wrong one is counted against the
    client's address, and past the limit any key it sends is refused unchecked (429)."""
    given = connection.headers.get("authorization", "")
    if not given:
        return False
    address = client_address(connection)
    if wait := attempts.retry_after(address):
        raise too_many_wrong_keys(wait)
    if bearer_key_matches(given, expected):
        return True
    attempts.failed(address)
    return False


def require_api_key(request: Request, state: State) -> None:
    expected = state.settings.api_key.get_secret_value()
    if not expected:
        return
    if not checked_bearer(request, expected, state.key_attempts):
        raise HTTPException(401, "missing or wrong API key: send `Authorization: Bearer <key>`",
                            headers={"WWW-Authenticate": "Bearer"})


def require_json(request: Request) -> None:
    if body_was_cut(request.scope):
        limit = request.app.state.assistant.settings.max_body_bytes
        raise HTTPException(413, f"the request body is too large (over {limit} bytes)")
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise HTTPException(415, "send the body as JSON with `Content-Type: application/json`")
