"""An OpenAI-compatible LLM server that keeps a streamed answer alive without ever finishing it.

POST /v1/chat/completions is answered `200 text/event-stream` (HTTP/1.1, chunked), then,
optionally, a few words of a real answer, then one SSE comment (``:\\n``) a second for as
long as the client listens. An OpenAI client skips comments, so nothing reaches the model's
caller, while httpx's read timeout starts over at every byte: issue 24's trickling server.
With ``trickle=False`` it is a well-behaved server instead: the words, then ``[DONE]``, except
for an answer a test asked to hold (``hold_next``), which trickles; with
``silent=True`` it reads the request and sends nothing at all, not even the status line.
A well-behaved server can be scripted (``script``): a call whose messages hold a scripted
answer's words is answered with that text, streamed word by word or, to a request without
``"stream": true``, as one plain chat completion, as a strong model behind Ollama or vLLM
would answer (issue 26).

Every connection is tracked, and its ``closed_by_client`` Event is set when the client
closes it (the server reads EOF or gets a reset), so a test can wait on the fact itself; the
assert_* helpers wait so, bounded only so that a broken build fails instead of hanging.
"""

from __future__ import annotations

import json
import select
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from langchain_core.language_models import BaseChatModel

from assistant.llm import build_chat_model
from assistant.settings import Settings

__all__ = [
    "SETTLED_S",
    "TrickledConnection",
    "TricklingLLMServer",
    "assert_all_ended",
    "assert_closed_by_us",
    "generation_workers",
    "openai_backend",
]

SSE_COMMENT = b":\n"
# Bound on waits for what happens at once when the code is right, and never when it is not.
SETTLED_S = 10.0


@dataclass
class TrickledConnection:
    """One answer the server is trickling: what was asked, what it sent, and whether the client hung up."""

    request_headers: dict[str, str]
    comments_sent: int = 0
    closed_by_client: threading.Event = field(default_factory=threading.Event)


class TricklingLLMServer:
    """The server on a free loopback port; ``url`` is its /v1 base URL. Use it as a context manager."""

    def __init__(
        self, words: tuple[str, ...] = (), interval_s: float = 1.0, trickle: bool = True, silent: bool = False
    ) -> None:
        self.words = words  # content pieces sent (as real completion chunks) before the trickle starts
        self.interval_s = interval_s
        self.trickle = trickle
        self.silent = silent
        self.connections: list[TrickledConnection] = []
        self._held = 0  # answers still to trickle on a well-behaved server (hold_next)
        self._scripts: deque[tuple[str, str]] = deque()  # (words asked, answer), in order (script)
        self.requests: list[dict] = []  # every call's JSON body, in order
        self._opened = threading.Condition()
        self._stopping = threading.Event()
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._http.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}/v1"
        self._serving = threading.Thread(target=self._http.serve_forever, name="trickling-llm", daemon=True)

    def __enter__(self) -> TricklingLLMServer:
        self._serving.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()  # trickling handlers end at their next beat
        self._http.shutdown()
        self._http.server_close()
        self._serving.join(timeout=10)

    def hold_next(self) -> None:
        """The next answer trickles (held until its client hangs up), even when ``trickle`` is
        False: a test that presses Stop knows the answer is still being written when it does."""
        with self._opened:
            self._held += 1

    def script(self, answer: str, when: str = "") -> None:
        """The next call whose messages hold the words ``when`` is answered with ``answer``
        (once; scripts are taken in the order given, and calls no script matches get ``words``)."""
        with self._opened:
            self._scripts.append((when, answer))

    def _next_words(self, asked: str) -> tuple[str, ...]:
        with self._opened:
            for entry in self._scripts:
                if entry[0] in asked:
                    self._scripts.remove(entry)
                    return tuple(piece + " " for piece in entry[1].split(" "))
        return self.words

    def _takes_hold(self) -> bool:
        with self._opened:
            if self._held:
                self._held -= 1
                return True
            return False

    def wait_for_connections(self, count: int, timeout_s: float) -> bool:
        """True once ``count`` answers have started trickling, False if that took longer than timeout_s."""
        with self._opened:
            return self._opened.wait_for(lambda: len(self.connections) >= count, timeout=timeout_s)

    def _opened_one(self, request_headers: dict[str, str]) -> TrickledConnection:
        connection = TrickledConnection(request_headers)
        with self._opened:
            self.connections.append(connection)
            self._opened.notify_all()
        return connection


def _chunk(data: bytes) -> bytes:
    """One piece of a chunked HTTP/1.1 body."""
    return b"%x\r\n%s\r\n" % (len(data), data)


def _content_event(text: str) -> bytes:
    payload = {
        "id": "chatcmpl-trickle",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "trickle",
        "choices": [{"index": 0, "delta": {"role": "assistant", "content": text}, "finish_reason": None}],
    }
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


def _handler_for(server: TricklingLLMServer) -> type[BaseHTTPRequestHandler]:
    class TrickleHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002  (the stdlib's name)
            pass  # quiet: pytest shows stderr of failing tests only, and it would be noise there

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.path.rstrip("/") != "/v1/chat/completions":
                self.send_error(404)
                return
            body = json.loads(raw or b"{}")
            server.requests.append(body)
            connection = server._opened_one({name.lower(): value for name, value in self.headers.items()})
            self.close_connection = True
            if server.silent:
                while not server._stopping.is_set():
                    if self._client_hung_up_within(server.interval_s):
                        connection.closed_by_client.set()
                        return
                return
            asked = " ".join(str(m.get("content", "")) for m in body.get("messages", []))
            if not body.get("stream") and not server.trickle:
                self._answer_plain("".join(server._next_words(asked)).strip())
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                held = server._takes_hold()
                for word in () if held else server._next_words(asked):
                    self.wfile.write(_chunk(_content_event(word)))
                if not (server.trickle or held):
                    self.wfile.write(_chunk(b"data: [DONE]\n\n") + b"0\r\n\r\n")
                    self.wfile.flush()
                    return
                self.wfile.flush()
                while not server._stopping.is_set():
                    self.wfile.write(_chunk(SSE_COMMENT))
                    self.wfile.flush()
                    connection.comments_sent += 1
                    if self._client_hung_up_within(server.interval_s):
                        connection.closed_by_client.set()
                        return
            except (BrokenPipeError, ConnectionResetError):
                connection.closed_by_client.set()

        def _answer_plain(self, text: str) -> None:
            """One whole chat completion, as a server answers a request that does not stream."""
            message = {"role": "assistant", "content": text}
            payload = json.dumps(
                {
                    "id": "chatcmpl-scripted",
                    "object": "chat.completion",
                    "created": 0,
                    "model": "scripted",
                    "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": len(text.split()), "total_tokens": 1},
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()

        def _client_hung_up_within(self, seconds: float) -> bool:
            """Wait one beat for the client: True if it closed the connection (EOF or reset)."""
            readable, _, _ = select.select([self.connection], [], [], seconds)
            if not readable:
                return False
            try:
                return self.connection.recv(1) == b""  # the client sends nothing after its request
            except ConnectionResetError:
                return True

    return TrickleHandler


def openai_backend(url: str, timeout_s: float) -> BaseChatModel:
    """The real `openai` backend, as the server builds it, for the server at ``url``."""
    settings = Settings(_env_file=None, llm_backend="openai", llm_base_url=url, llm_model="m", llm_timeout_s=timeout_s)
    model = build_chat_model(settings)
    assert model is not None
    return model


def generation_workers() -> set[threading.Thread]:
    """The LLM worker threads alive now (assistant/generation.py names them)."""
    return {thread for thread in threading.enumerate() if thread.name == "llm-generation"}


def assert_all_ended(workers: set[threading.Thread]) -> None:
    for worker in workers:
        worker.join(timeout=SETTLED_S)
    assert not [worker for worker in workers if worker.is_alive()], "an llm-generation worker is still blocked"


def assert_closed_by_us(server: TricklingLLMServer, count: int) -> None:
    """``count`` calls reached the server, and our side closed every one of their connections."""
    assert server.wait_for_connections(count, SETTLED_S), "the calls never reached the server"
    assert len(server.connections) == count
    still_open = [c for c in server.connections if not c.closed_by_client.wait(timeout=SETTLED_S)]
    assert not still_open, f"{len(still_open)} of {count} connections were left open"
