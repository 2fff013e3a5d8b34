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
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocketClose

from assistant.server.deps import bearer_key_matches, key_matches
from assistant.server.errors import error_response

__all__ = ["COOKIE", "KeyGate", "gradio_user", "has_key", "login_routes", "session_token"]

COOKIE = "assistant_ui_session"
_SESSION_PURPOSE = b"assistant web UI session v1"


def session_token(key: str) -> str:
    """What the login cookie holds: derived from the key rather than the key itself, so a
    cookie read off a disk does not open the /v1 API; changing the key logs everybody out."""
    return hmac.new(key.encode(), _SESSION_PURPOSE, hashlib.sha256).hexdigest()


def has_key(connection: HTTPConnection, key: str) -> bool:
    """The request carries the key: as a Bearer header, or as the login cookie."""
    if bearer_key_matches(connection.headers.get("authorization", ""), key):
        return True
    return hmac.compare_digest(connection.cookies.get(COOKIE, "").encode(), session_token(key).encode())


def gradio_user(key: str) -> Callable[[Request], str | None]:
    """Gradio's `auth_dependency`: the same check, so Gradio's own per-route checks agree."""

    def user(request: Request) -> str | None:
        return "key holder" if has_key(request, key) else None

    return user


class KeyGate:
    """ASGI middleware for the Gradio app: requests without the key never reach it.

    A browser opening a page is sent to the login page; anything else gets the API's 401."""

    def __init__(self, app: ASGIApp, key: str) -> None:
        self.app = app
        self.key = key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or has_key(HTTPConnection(scope), self.key):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await WebSocketClose(code=1008)(scope, receive, send)  # 1008: policy violation
            return
        connection = HTTPConnection(scope)
        if scope["method"] in ("GET", "HEAD") and "text/html" in connection.headers.get("accept", ""):
            # Inside the mount, root_path is the UI's own path (e.g. /ui), proxies' prefix included.
            response = RedirectResponse(f"{scope.get('root_path', '')}/login", status_code=303)
        else:
            response = error_response(
                401, "missing or wrong API key: log in at the UI's /login page, or send `Authorization: Bearer <key>`",
                headers={"WWW-Authenticate": "Bearer"},
            )
        await response(scope, receive, send)


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Career Q&amp;A assistant: log in</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 26rem; margin: 12vh auto; padding: 0 1rem; }}
input, button {{ font: inherit; padding: 0.5rem; width: 100%; box-sizing: border-box; margin-top: 0.5rem; }}
.problem {{ color: #b91c1c; }}
</style></head>
<body><h1>Career Q&amp;A assistant</h1>
<p>This assistant is protected by an API key (its server's <code>ASSISTANT_API_KEY</code>).</p>
{problem}
<form method="post" action="login">
<label for="key">API key</label>
<input id="key" name="key" type="password" autocomplete="current-password" required autofocus>
<button type="submit" id="login">Log in</button>
</form></body></html>
"""


def _login_page(problem: str = "", status_code: int = 200) -> HTMLResponse:
    shown = f'<p class="problem" role="alert">{problem}</p>' if problem else ""  # problem: our own fixed text
    return HTMLResponse(_PAGE.format(problem=shown), status_code, headers={"Cache-Control": "no-store"})


def login_routes(key: str, ui_path: str) -> APIRouter:
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
        if not key_matches(given, key):
            return _login_page("That is not the key.", 401)
        response = RedirectResponse(f"{cookie_path(request)}/", status_code=303)
        response.set_cookie(
            COOKIE, session_token(key), path=cookie_path(request), httponly=True, samesite="lax",
            secure=request.url.scheme == "https",
        )
        return response

    @router.get(f"{ui_path}/logout")
    def logout(request: Request) -> RedirectResponse:
        response = RedirectResponse(f"{cookie_path(request)}/login", status_code=303)
        response.delete_cookie(COOKIE, path=cookie_path(request))
        return response

    return router
