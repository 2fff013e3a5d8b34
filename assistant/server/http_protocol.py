"""uvicorn's HTTP/1.1 protocol with a request's head bounded in size and in arrival time.

Why by hand: uvicorn picks httptools when it is installed (chromadb brings it), and
httptools reads headers of any size (a 1 MB header was served); h11, uvicorn's other
parser, caps the head but answers 400, and neither bounds how long a head may take. A
client that sends a head slowly, or one that never ends, holds a connection and its
buffer: 8 sockets each sending 25 MB of header grew the server by ~190 MB. This subclass
of uvicorn's h11 protocol keeps everything else as uvicorn does it and adds two checks:

* a head (request line and headers) over ``max_head_bytes`` gets 431 and the connection
  is closed, before the rest is read;
* a head that has not fully arrived ``head_timeout_s`` after the connection opened (or
  after the first byte of the next request on a kept-alive connection) gets 408 and is
  closed; a connection that sent nothing is just closed.

The bodies are bounded elsewhere (``BodySizeLimitMiddleware``). Responses are in the API's
error shape; the log line names neither headers nor path, only the client address.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any
from urllib.parse import unquote, urlsplit

import h11
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from assistant.settings import Settings

__all__ = ["AbsoluteFormMiddleware", "BoundedHeadProtocol", "bounded_head_protocol", "connection_options"]

log = logging.getLogger("assistant.server")

_ABSOLUTE = re.compile(rb"(?i)https?://")
# The blank line that ends a head: h11 takes a bare \n for a line end too.
_HEAD_END = re.compile(rb"\r?\n\r?\n")


def _head_length(buffered: bytes) -> int:
    """How much of what is buffered is the head: up to its blank line, or all of it."""
    end = _HEAD_END.search(buffered)
    return end.end() if end else len(buffered)


def _error_bytes(status: int, reason: str, code: str, message: str) -> bytes:
    body = json.dumps({"error": {"type": code, "message": message, "details": []}}).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


class BoundedHeadProtocol(H11Protocol):
    """H11Protocol with the two bounds above; made with `bounded_head_protocol`."""

    # Set by bounded_head_protocol from Settings (max_header_bytes, header_timeout_s), the
    # one place their values and reasons are given.
    max_head_bytes: int
    head_timeout_s: float

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._head_timer: asyncio.TimerHandle | None = None
        super().connection_made(transport)
        self._arm()  # a connection that never sends a byte is closed too

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def handle_events(self) -> None:
        """Check the head waiting in h11's buffer before h11 reads it: called when data
        arrives and when a kept-alive connection starts its next request, which may have
        arrived (pipelined) while the previous one was answered."""
        if self._awaiting_head():
            buffered = self.conn.trailing_data[0]
            if buffered and self._head_timer is None:
                self._arm()  # the next request's head began
            if _head_length(buffered) > self.max_head_bytes:
                self._refuse(
                    431, "Request Header Fields Too Large", "headers_too_large",
                    f"the request's headers are too large (over {self.max_head_bytes} bytes)",
                )
                return
        super().handle_events()
        if not self._awaiting_head():
            self._disarm()

    def _awaiting_head(self) -> bool:
        return self.conn.their_state is h11.IDLE and not self.transport.is_closing()

    def _arm(self) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(self.head_timeout_s, self._head_timed_out)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if not self._awaiting_head():
            return
        if self.conn.trailing_data[0]:  # a head begun and not finished: say why before closing
            self._refuse(
                408, "Request Timeout", "request_timeout",
                f"the request's headers did not arrive within {self.head_timeout_s:g} s",
            )
        else:  # nothing sent (or an idle kept-alive connection): nothing to answer
            self.transport.close()

    def _refuse(self, status: int, reason: str, code: str, message: str) -> None:
        self._disarm()
        client = "%s:%d" % self.client if self.client else "-"
        log.warning("refused a request head from %s: %s %s", client, status, reason)
        self.transport.write(_error_bytes(status, reason, code, message))
        self.transport.close()


def bounded_head_protocol(max_head_bytes: int, head_timeout_s: float) -> type[BoundedHeadProtocol]:
    """The protocol class for `uvicorn.run(http=...)`, with these bounds."""
    return type(
        "BoundedHeadProtocol",
        (BoundedHeadProtocol,),
        {"max_head_bytes": max_head_bytes, "head_timeout_s": head_timeout_s},
    )


def connection_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options for how `assistant serve` reads connections: the bounded protocol,
    and forwarding headers trusted only from the proxies named. (uvicorn trusts
    X-Forwarded-For from 127.0.0.1 by default: any local client could name its own address,
    and the wrong-key limit counts per address.)"""
    return {
        "http": bounded_head_protocol(settings.max_header_bytes, settings.header_timeout_s),
        "h11_max_incomplete_event_size": settings.max_header_bytes,
        "proxy_headers": bool(settings.forwarded_allow_ips),
        "forwarded_allow_ips": settings.forwarded_allow_ips or None,
    }


class AbsoluteFormMiddleware:
    """A request target in absolute form (`GET http://host/healthz`, as proxies may send it,
    and RFC 9112 says a server must accept) read as its path.

    httptools gave the ASGI app the path alone; uvicorn's h11 protocol passes the whole
    target as the path, so every such request was a 404. Only the path and query are
    taken: the host named in the target decides nothing here, as the Host header does not.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = scope.get("raw_path") or b""
        if scope["type"] in ("http", "websocket") and _ABSOLUTE.match(raw):
            path = urlsplit(raw).path or b"/"
            scope = {**scope, "raw_path": path, "path": unquote(path.decode("ascii", "replace"))}
        await self.app(scope, receive, send)
