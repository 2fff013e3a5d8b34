"""Redirects that never name a host the client made up.

Starlette's trailing-slash redirect (and Gradio's) build an absolute Location from the
request's Host header, so `Host: evil.example` on `/v1/sources/` sent the client to
`http://evil.example/v1/sources`: behind a cache or a proxy that trusts Host, an open
redirect. This middleware rewrites any Location that points at the request's own Host
into a path (`/v1/sources`), which every client resolves against the address it actually
used (RFC 9110 allows a relative Location). Locations elsewhere are left alone.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["RelativeRedirectMiddleware"]


class RelativeRedirectMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = Headers(scope=scope).get("host", "")

        async def send_relative(message: Message) -> None:
            if message["type"] == "http.response.start" and 300 <= message["status"] < 400:
                headers = MutableHeaders(scope=message)
                location = headers.get("location")
                if location:
                    parts = urlsplit(location)
                    if parts.netloc and parts.netloc.lower() == host.lower():
                        # One leading slash: "//evil.example/x" would be a scheme-relative URL to that host.
                        path = "/" + parts.path.lstrip("/")
                        headers["location"] = urlunsplit(("", "", path, parts.query, parts.fragment))
            await send(message)

        await self.app(scope, receive, send_relative)
