"""The API key in front of the web UI: a login page for people, the Bearer header for scripts.

With ASSISTANT_API_KEY set, nothing the mounted Gradio app serves (page, config, assets,
queue, its `/ask` API) answers without the key. A browser logs in once at <ui>/login and
gets a cookie; a script sends `Authorization: Bearer <key>`, as for the HTTP API.

Why not Gradio's own `auth`: it asks for a user name and password and knows only its
cookie, so scripts could not send the Bearer header the rest of the API takes. Why a gate
in front of the whole Gradio app rather than trusting `auth_dependency` alone: Gradio
checks login per route, and several of its routes (heartbeat, cancel, reset, stream,
run-history ...) do not check at all; the gate refuses everything by default. The
dependency is still given to Gradio (see `gradio_user`), so its own checks agree.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocketClose

from assistant.server.deps import (
    bearer_key_matches,
    checked_bearer,
    client_address,
    key_matches,
    too_many_wrong_keys,
)
from assistant.server.errors import error_response
from assistant.server.key_attempts import KeyAttempts

__all__ = ["COOKIE", "SESSION_HOURS", "KeyGate", "Sessions", "gradio_user", "login_routes"]

COOKIE = "assistant_ui_session"
_SESSION_PURPOSE = b"assistant web UI session v2"
# How long a login lasts: a working day and a half, so a browser left open overnight asks again.
SESSION_HOURS = 12


class Sessions:
    """The login cookie: `nonce.expiry.signature`, signed with a key derived from the API key.

    Signed rather than stored, so every replica that shares the key accepts the cookie any of
    them issued and a restart logs nobody out; the cookie never holds the key, so one read off
    a disk does not open the /v1 API, and changing the key logs everybody out. Each login gets
    its own nonce and expiry. Logging out revokes that nonce in this process until the cookie
    would have expired anyway (other replicas do not hear of it: their copy stays valid until
    its expiry, and the browser has dropped it)."""

    def __init__(self, key: str, clock: Callable[[], float] = time.time) -> None:
        self._signing = hmac.new(key.encode(), _SESSION_PURPOSE, hashlib.sha256).digest()
        self._clock = clock
        self._revoked: dict[str, float] = {}  # nonce -> its expiry
        self._lock = threading.Lock()

    def issue(self) -> str:
        payload = f"{secrets.token_urlsafe(16)}.{int(self._clock() + SESSION_HOURS * 3600)}"
        return f"{payload}.{self._sign(payload)}"

    def valid(self, token: str) -> bool:
        parsed = self._parse(token)
        if parsed is None:
            return False
        nonce, expiry = parsed
        with self._lock:
            return expiry > self._clock() and nonce not in self._revoked

    def revoke(self, token: str) -> None:
        parsed = self._parse(token)
        if parsed is None:
            return
        with self._lock:
            now = self._clock()
            self._revoked = {n: e for n, e in self._revoked.items() if e > now}  # forget the expired
            self._revoked[parsed[0]] = parsed[1]

    def _sign(self, payload: str) -> str:
        return hmac.new(self._signing, payload.encode(), hashlib.sha256).hexdigest()

    def _parse(self, token: str) -> tuple[str, float] | None:
        """(nonce, expiry) of a token this key signed; None for anything else."""
        payload, _, signature = token.rpartition(".")
        if not hmac.compare_digest(signature.encode(), self._sign(payload).encode()):
            return None
        nonce, _, expiry = payload.partition(".")
        return (nonce, float(expiry)) if expiry.isdigit() else None


def _has_key(connection: HTTPConnection, key: str, sessions: Sessions, attempts: KeyAttempts) -> bool:
    """The request carries the key: as a Bearer header (counted when wrong), or as a login
    cookie that is valid. Raises HTTPException(429) while the address is blocked."""
    if checked_bearer(connection, key, attempts):
        return True
    return sessions.valid(connection.cookies.get(COOKIE, ""))


def gradio_user(key: str, sessions: Sessions) -> Callable[[Request], str | None]:
    """Gradio's `auth_dependency`: the same check, so Gradio's own per-route checks agree.
    KeyGate has refused (and counted) every wrong key before Gradio sees the request."""

    def user(request: Request) -> str | None:
        if bearer_key_matches(request.headers.get("authorization", ""), key):
            return "key holder"
        return "key holder" if sessions.valid(request.cookies.get(COOKIE, "")) else None

    return user


class KeyGate:
    """ASGI middleware for the Gradio app: requests without the key never reach it.

    A browser opening a page is sent to the login page; anything else gets the API's 401
    (429 while its address has sent too many wrong keys)."""

    def __init__(self, app: ASGIApp, key: str, sessions: Sessions, attempts: KeyAttempts) -> None:
        self.app = app
        self.key = key
        self.sessions = sessions
        self.attempts = attempts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        try:
            allowed = _has_key(connection, self.key, self.sessions, self.attempts)
        except HTTPException as refused:  # too many wrong keys from this address
            if scope["type"] == "websocket":
                await WebSocketClose(code=1008)(scope, receive, send)
                return
            await error_response(refused.status_code, refused.detail, headers=refused.headers)(scope, receive, send)
            return
        if allowed:
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await WebSocketClose(code=1008)(scope, receive, send)  # 1008: policy violation
            return
        if scope["method"] in ("GET", "HEAD") and "text/html" in connection.headers.get("accept", ""):
            # Inside the mount, root_path is the UI's own path (e.g. /ui), proxies' prefix included.
            response = RedirectResponse(f"{scope.get('root_path', '')}/login", status_code=303)
        else:
            response = error_response(
                401, "missing or wrong API key: log in at the UI's /login page, or send `Authorization: Bearer <key>`",
                headers={"WWW-Authenticate": "Bearer"},
            )
        await response(scope, receive, send)


# Styled like the chat (Gradio's default theme: orange primary button, grey borders, system
# font), inline and self-contained: no external assets, readable on a 390 px phone.
_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Career Q&amp;A assistant: log in</title>
<style>
* {{ box-sizing: border-box; }}
body {{ margin: 0; font-family: "Source Sans Pro", ui-sans-serif, system-ui, sans-serif; background: #f9fafb;
  color: #1f2937; line-height: 1.5; }}
main {{ max-width: 26rem; margin: 10vh auto; padding: 1.5rem; background: #fff; border: 1px solid #e5e7eb;
  border-radius: 12px; box-shadow: 0 1px 3px rgba(0,0,0,0.06); }}
@media (max-width: 30rem) {{ main {{ margin: 1rem; padding: 1.1rem; }} }}
h1 {{ font-size: 1.4rem; margin: 0 0 0.5rem; }}
p {{ margin: 0.4rem 0 1rem; color: #4b5563; }}
label {{ display: block; font-weight: 600; font-size: 0.95rem; }}
input, button {{ font: inherit; width: 100%; margin-top: 0.4rem; padding: 0.6rem 0.75rem; border-radius: 8px; }}
input {{ border: 1px solid #d1d5db; background: #fff; }}
input:focus {{ outline: 2px solid #fdba74; border-color: #f97316; }}
button {{ margin-top: 1rem; border: 0; background: #f97316; color: #fff; font-weight: 600; cursor: pointer; }}
button:hover {{ background: #ea580c; }}
.problem {{ color: #b91c1c; background: #fef2f2; border: 1px solid #fecaca; border-radius: 8px;
  padding: 0.5rem 0.75rem; }}
</style></head>
<body><main><h1>Career Q&amp;A assistant</h1>
<p>Enter the access key you were given to use the assistant.</p>
{problem}
<form method="post" action="login">
<label for="key">Access key</label>
<input id="key" name="key" type="password" autocomplete="current-password" required autofocus>
<button type="submit" id="login">Log in</button>
</form></main></body></html>
"""


def _login_page(problem: str = "", status_code: int = 200) -> HTMLResponse:
    shown = f'<p class="problem" role="alert">{problem}</p>' if problem else ""  # problem: our own text, no input
    return HTMLResponse(_PAGE.format(problem=shown), status_code, headers={"Cache-Control": "no-store"})


def login_routes(key: str, ui_path: str, sessions: Sessions, attempts: KeyAttempts) -> APIRouter:
    """GET/POST <ui_path>/login and <ui_path>/logout, for the parent app (outside the gate).

    Include them before mounting the UI: routes match in order, and the mount would take
    the paths otherwise."""
    router = APIRouter(include_in_schema=False)

    def cookie_path(request: Request) -> str:
        return f"{request.scope.get('root_path', '')}{ui_path}"

    @router.get(f"{ui_path}/login")
    def login_page() -> HTMLResponse:
        return _login_page()

    @router.post(f"{ui_path}/login", response_model=None)
    def login(request: Request, given: Annotated[str, Form(alias="key")] = "") -> HTMLResponse | RedirectResponse:
        address = client_address(request)
        if wait := attempts.retry_after(address):
            refused = too_many_wrong_keys(wait)
            page = _login_page(f"Too many wrong keys: try again in {wait} s.", 429)
            page.headers.update(refused.headers or {})
            return page
        if not given.strip():  # nothing entered: nothing guessed, so nothing counted
            return _login_page("Enter the access key.", 401)
        if not key_matches(given, key):
            attempts.failed(address)
            return _login_page("That is not the key.", 401)
        response = RedirectResponse(f"{cookie_path(request)}/", status_code=303)
        response.set_cookie(
            COOKIE, sessions.issue(), max_age=SESSION_HOURS * 3600, path=cookie_path(request), httponly=True,
            samesite="lax", secure=request.url.scheme == "https",
        )
        return response

    @router.get(f"{ui_path}/logout")
    def logout(request: Request) -> RedirectResponse:
        sessions.revoke(request.cookies.get(COOKIE, ""))  # a copy of the cookie kept elsewhere stops working too
        response = RedirectResponse(f"{cookie_path(request)}/login", status_code=303)
        response.delete_cookie(COOKIE, path=cookie_path(request))
        return response

    return router
