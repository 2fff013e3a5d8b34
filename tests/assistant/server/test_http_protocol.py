"""The request head's bounds (assistant/server/http_protocol.py), on real uvicorn servers on
loopback: one in this process with short bounds, and `assistant serve` with its defaults."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import uvicorn

from assistant.server.http_protocol import AbsoluteFormMiddleware, connection_options
from assistant.settings import Settings
from tests.conftest import LIVE_API_KEY
from tests.processes import free_port, uvicorn_in_thread

HEAD_LIMIT = 4096
HEAD_TIMEOUT_S = 0.5


async def _app(scope, receive, send) -> None:
    """Answers every request with 200 once its body is read: "ok", or at /client the client
    address uvicorn gave the app, at /path the path."""
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    body = {"/client": (scope.get("client") or ("-",))[0], "/path": scope["path"]}.get(scope["path"], "ok").encode()
    headers = [(b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@contextmanager
def served(**settings) -> Iterator[tuple[str, int]]:
    """A uvicorn server with `assistant serve`'s connection options, in a thread of its own."""
    port = free_port()
    options = connection_options(Settings(_env_file=None, **settings))
    config = uvicorn.Config(
        AbsoluteFormMiddleware(_app), host="127.0.0.1", port=port, log_config=None, access_log=False, **options
    )
    with uvicorn_in_thread(config, limit_s=30):
        yield "127.0.0.1", port


@pytest.fixture(scope="module")
def bounded() -> Iterator[tuple[str, int]]:
    """Short bounds (4 KiB head, 0.5 s), so the tests need not wait for the defaults."""
    with served(max_header_bytes=HEAD_LIMIT, header_timeout_s=HEAD_TIMEOUT_S) as address:
        yield address


def reply_to(address: tuple[str, int], *pieces: bytes, timeout: float = 30) -> bytes:
    """Send the pieces (the server may close before all are sent), then read until it closes."""
    with socket.create_connection(address, timeout=timeout) as sock:
        for piece in pieces:
            try:
                sock.sendall(piece)
            except (BrokenPipeError, ConnectionResetError):
                break
        reply = b""
        try:
            while chunk := sock.recv(65536):
                reply += chunk
        except ConnectionResetError:
            pass
    return reply


def status_of(reply: bytes) -> int:
    return int(reply.split(b" ", 2)[1])


def body_of(reply: bytes) -> dict:
    return json.loads(reply.split(b"\r\n\r\n", 1)[1])


def request(head_padding: int = 0, close: bool = True) -> bytes:
    padding = f"X-Padding: {'p' * head_padding}\r\n" if head_padding else ""
    connection = "Connection: close\r\n" if close else ""
    return f"GET / HTTP/1.1\r\nHost: x\r\n{padding}{connection}\r\n".encode()


def test_a_head_within_the_limit_is_served(bounded):
    assert status_of(reply_to(bounded, request(HEAD_LIMIT - 200))) == 200


def test_a_head_over_the_limit_gets_431_in_the_api_error_shape(bounded):
    reply = reply_to(bounded, request(HEAD_LIMIT + 1))
    assert status_of(reply) == 431
    assert body_of(reply)["error"]["type"] == "headers_too_large"


def test_a_head_that_never_ends_is_cut_at_the_limit_not_buffered(bounded):
    """25 MB of one header, never finished: refused once the limit is passed; the rest is
    never read (the server closed the connection)."""
    endless = [b"GET / HTTP/1.1\r\nX-Endless: "] + [b"e" * 65536] * 400
    reply = reply_to(bounded, *endless)
    assert status_of(reply) == 431


def test_a_head_that_trickles_in_gets_408_and_is_closed(bounded):
    with socket.create_connection(bounded, timeout=30) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # and no more: the server must end it
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    assert status_of(reply) == 408
    assert body_of(reply)["error"]["type"] == "request_timeout"


def test_a_connection_that_sends_nothing_is_closed(bounded):
    with socket.create_connection(bounded, timeout=30) as sock:
        assert sock.recv(65536) == b""


def test_a_kept_alive_connection_has_the_same_deadline_for_its_next_head(bounded):
    with socket.create_connection(bounded, timeout=30) as sock:
        sock.sendall(request(close=False))
        first = b""
        while not first.endswith(b"ok"):
            first += sock.recv(65536)
        assert status_of(first) == 200
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # the second head never ends
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    assert status_of(reply) == 408


def test_a_pipelined_head_over_the_limit_gets_431_too(bounded):
    """The second request of a packet is read by h11 only after the first was answered."""
    first = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    reply = reply_to(bounded, first + request(HEAD_LIMIT * 3))
    assert status_of(reply) == 200 and b" 431 " in reply


def test_a_head_with_bare_newlines_is_measured_to_its_own_end(bounded):
    body = b"b" * (HEAD_LIMIT * 4)
    head = f"POST / HTTP/1.1\nHost: x\nContent-Length: {len(body)}\nConnection: close\n\n".encode()
    assert status_of(reply_to(bounded, head + body)) == 200


def test_an_absolute_form_target_is_read_as_its_path(bounded):
    reply = reply_to(bounded, b"GET http://elsewhere.example/path?x=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert status_of(reply) == 200 and reply.endswith(b"\r\n\r\n/path")


def test_forwarding_headers_are_trusted_only_from_the_proxies_named(bounded):
    """uvicorn's default trusts X-Forwarded-For from 127.0.0.1: a local client could then
    name any address, and dodge the per-address limit on wrong keys."""
    forged = b"GET /client HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 10.9.9.9\r\nConnection: close\r\n\r\n"
    assert reply_to(bounded, forged).endswith(b"127.0.0.1")
    with served(forwarded_allow_ips="127.0.0.1") as behind_a_proxy:
        assert reply_to(behind_a_proxy, forged).endswith(b"10.9.9.9")


def test_a_body_larger_than_the_head_limit_is_not_mistaken_for_a_head(bounded):
    body = b"b" * (HEAD_LIMIT * 4)
    head = f"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
    assert status_of(reply_to(bounded, head + body)) == 200


@pytest.mark.integration
def test_assistant_serve_refuses_a_one_megabyte_header(live_extractive_server):
    base, log_path = live_extractive_server
    host, port = base.removeprefix("http://").split(":")
    auth = f"Authorization: Bearer {LIVE_API_KEY}\r\n"
    big = f"GET /v1/models HTTP/1.1\r\nHost: x\r\n{auth}X-Big: {'b' * 1_000_000}\r\nConnection: close\r\n\r\n"
    reply = reply_to((host, int(port)), big.encode())
    assert status_of(reply) == 431
    fine = f"GET /v1/models HTTP/1.1\r\nHost: x\r\n{auth}X-Some: {'s' * 8000}\r\nConnection: close\r\n\r\n"
    assert status_of(reply_to((host, int(port)), fine.encode())) == 200
