"""What a request may leave behind (issue 11, items 3, 4, 5, 13), in-process: log lines
that cannot be forged, 422 for text that is not text, the 500 with its request id and a
traceback without the user's words, and `n` refused rather than ignored."""

from __future__ import annotations

import json
import logging

import pytest

from assistant.server.errors import stack_without_messages
from assistant.server.middleware import loggable, loggable_path
from assistant.service import AnswerService

pytestmark = pytest.mark.integration
QUESTION = "Will I lose my engineering chops if I move to product?"
SECRET = "my-private-salary-is-123456"


def assert_error(response, status: int, words: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    # The OpenAI-compatible paths add OpenAI's param and code to the one shape.
    openai = response.request.url.path.startswith(("/v1/chat/", "/v1/models"))
    keys = {"type", "message", "details"} | ({"param", "code"} if openai else set())
    assert set(body) == {"error"} and set(body["error"]) == keys
    assert words in body["error"]["message"], body["error"]["message"]


def request_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("request_id=")]


# -- item 3: log forging ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "text,shown",
    [
        ("GET", "GET"),
        ("a\nb\r\nc", "a\\nb\\r\\nc"),
        ("\x1b[31mred", "\\x1b[31mred"),
        ("back\\slash", "back\\\\slash"),
        ("\u202eevil\ud800", "\\u202eevil\\ud800"),
    ],
)
def test_loggable_escapes_everything_that_could_break_a_line(text, shown):
    assert loggable(text) == shown


def test_loggable_path_is_percent_encoded_again():
    assert loggable_path("/v1/ask") == "/v1/ask"
    assert loggable_path("/x\nFORGED\r\x1b[2J %\ud800") == "/x%0AFORGED%0D%1B%5B2J%20%25%5Cud800"
    assert loggable_path("/" + "a" * 1000).endswith("...")


@pytest.mark.parametrize("raw_path", [b"/v1/sources%0AFORGED%20line", b"/v1/x%0D%0AFORGED", b"/%1B%5B31mred%1B%5B0m"])
def test_a_forged_path_makes_one_escaped_log_line(client, caplog, raw_path):
    caplog.set_level(logging.INFO, logger="assistant")
    assert client.get(raw_path.decode()).status_code == 404
    (line,) = request_lines(caplog)
    assert "\n" not in line and "\r" not in line and "\x1b" not in line
    assert f" {raw_path.decode()} -> 404 in " in line  # percent-encoded again, as it came


@pytest.mark.parametrize("given", ["abc -> 200 in 1 ms", "x\x1b[31m", "a" * 65, "caf\xe9"])
def test_a_request_id_that_is_not_a_plain_token_is_replaced(client, caplog, given):
    caplog.set_level(logging.INFO, logger="assistant")
    response = client.get("/healthz", headers={"X-Request-ID": given.encode("latin-1")})
    assert response.headers["x-request-id"] != given
    (line,) = request_lines(caplog)
    assert given not in line


def test_a_plain_request_id_is_kept(client):
    assert client.get("/healthz", headers={"X-Request-ID": "trace-1.2:3"}).headers["x-request-id"] == "trace-1.2:3"


# -- item 4: text that is not text, over-long turns ------------------------------------------------
SURROGATE_BODIES = [
    ("/v1/ask", {"question": "manager?\ud800"}, "nicode"),
    ("/v1/ask/stream", {"question": "manager?\ud800"}, "nicode"),
    ("/v1/ask", {"question": QUESTION, "history": [{"role": "user", "content": "x\udc00"}]}, "history.0.content"),
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": "manager?\ud800"}]}, "not valid Unicode"),
    ("/v1/chat/completions", {"stream": True, "messages": [{"role": "user", "content": "manager?\ud800"}]}, "not valid"),
    (
        "/v1/chat/completions",
        {"messages": [{"role": "user", "content": "a" * 20_001}, {"role": "assistant", "content": "ok"}, {"role": "user", "content": QUESTION}]},
        "longer than 20000",
    ),
    ("/v1/ask", {"question": QUESTION, "history": [{"role": "user", "content": "a" * 20_001}]}, "at most 20000"),
]


@pytest.mark.parametrize("path,body,words", SURROGATE_BODIES)
def test_lone_surrogates_and_long_turns_are_422(client, caplog, path, body, words):
    caplog.set_level(logging.INFO, logger="assistant")
    content = json.dumps(body, ensure_ascii=True).encode()  # \\ud800 as a JSON escape, as a client sends it
    response = client.post(path, content=content, headers={"content-type": "application/json"})
    assert_error(response, 422, words)
    assert response.headers["x-request-id"]
    assert "Traceback" not in caplog.text
    assert " -> 422 in " in request_lines(caplog)[-1]


class _Fails(AnswerService):
    """Fails as an encoder does: with the user's text in the exception's message."""

    def stream(self, question, history=(), top_k=None, cancel=None):
        raise UnicodeEncodeError("utf-8", f"{question} {SECRET}", 0, 1, "surrogates not allowed")


def test_an_unexpected_error_is_a_500_with_request_id_and_no_user_text_in_the_log(make_client, retriever, caplog):
    caplog.set_level(logging.INFO, logger="assistant")
    client = make_client(service=_Fails(retriever, None, backend="extractive"))
    for path in ("/v1/ask", "/v1/ask/stream"):
        response = client.post(path, json={"question": QUESTION}, headers={"X-Request-ID": f"fail{len(path)}"})
        assert_error(response, 500, "failed unexpectedly")
        assert response.json()["error"]["type"] == "internal"
        assert response.headers["x-request-id"] == f"fail{len(path)}"
        assert SECRET not in response.text and "Traceback" not in response.text
    logged = caplog.text
    assert SECRET not in logged and QUESTION not in logged
    assert "UnicodeEncodeError" in logged and "Traceback (most recent call last; message withheld)" in logged
    assert "in stream" in logged, "the frames are kept"
    assert [line.split(" -> ")[1].split()[0] for line in request_lines(caplog)] == ["500", "500"]


def test_stack_without_messages_keeps_the_chain_and_drops_every_message():
    try:
        try:
            raise KeyError(SECRET)
        except KeyError as inner:
            raise ValueError(f"while handling {SECRET}") from inner
    except ValueError as error:
        text = stack_without_messages(error)
    assert SECRET not in text
    assert text.index("builtins.KeyError") < text.index("builtins.ValueError")
    assert text.count("Traceback") == 2 and "test_stack_without_messages" in text


# -- item 5: a question of only invisible characters is empty; issue 27: "" too, all a 400 ----------
@pytest.mark.parametrize("question", ["", "   ", "\u0000\u200b\u200b", "\x00", "\ufeff\u200f", " \u2060 "])
@pytest.mark.parametrize("stream", [False, True])
def test_an_empty_or_invisible_question_is_one_400(client, question, stream):
    """"" and "   " get the same sentence and status as any other question with nothing in it:
    400, as OpenAI answers an empty message (its SDKs raise BadRequestError)."""
    ask = client.post("/v1/ask/stream" if stream else "/v1/ask", json={"question": question})
    assert_error(ask, 400, "question: the question is empty: ask something")
    assert ask.json()["error"]["type"] == "invalid_request"
    messages = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}, {"role": "user", "content": question}]
    chat = client.post("/v1/chat/completions", json={"messages": messages, "stream": stream})
    assert_error(chat, 400, "the question is empty: ask something")
    assert chat.json()["error"]["param"] == "messages"


def test_invisible_characters_are_dropped_from_a_question_that_has_words(client):
    body = client.post("/v1/ask", json={"question": "Will I lose my\u200b engineering chops\x00?"}).json()
    assert body["question"] == "Will I lose my engineering chops?"


# -- item 13: n ----------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [5, 2, 0, -1])
@pytest.mark.parametrize("stream", [False, True])
def test_more_than_one_choice_is_a_400_naming_n(client, n, stream):
    response = client.post("/v1/chat/completions", json={"n": n, "stream": stream, "messages": [{"role": "user", "content": QUESTION}]})
    assert_error(response, 400, f"n={n} is not supported")
    assert "`n`" in response.json()["error"]["message"]


@pytest.mark.parametrize("extra", [{}, {"n": 1}, {"n": None}])
def test_n_absent_or_one_is_fine(client, extra):
    response = client.post("/v1/chat/completions", json={**extra, "messages": [{"role": "user", "content": QUESTION}]})
    assert response.status_code == 200 and len(response.json()["choices"]) == 1
