"""The OpenAI-compatible endpoint, in-process."""

from __future__ import annotations

import json

import pytest

from assistant.service import AnswerService

pytestmark = pytest.mark.integration
QUESTION = "Do staff engineers only write code?"


def test_chat_completion_keeps_markers_and_carries_citations(client):
    response = client.post(
        "/v1/chat/completions",
        json={"model": "career-assistant", "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": QUESTION}]},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["object"] == "chat.completion" and body["model"] == "career-assistant"
    content = body["choices"][0]["message"]["content"]
    assert "[1]" in content and "myth" in content
    assert body["citations"][0]["id"] == 1


def test_chat_completion_stream_ends_with_citations_and_done(client):
    response = client.post(
        "/v1/chat/completions", json={"model": "career-assistant", "stream": True, "messages": [{"role": "user", "content": QUESTION}]}
    )
    assert response.status_code == 200
    datas = [line[len("data: ") :] for line in response.text.splitlines() if line.startswith("data: ")]
    assert datas[-1] == "[DONE]"
    chunks = [json.loads(d) for d in datas[:-1]]
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert "myth" in text
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop" and chunks[-1]["citations"]


def test_content_parts_and_history_are_understood(make_client, retriever):
    from tests.assistant.server.test_ask_api import _Recording

    service = _Recording(retriever, None, backend="extractive")
    service.seen = []
    client = make_client(service=service)
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": [{"type": "text", "text": "What are the top skills of a staff engineer?"}]},
        {"role": "assistant", "content": "Deep technical experience [1]."},
        {"role": "user", "content": [{"type": "text", "text": "What about managers?"}]},
    ]
    response = client.post("/v1/chat/completions", json={"messages": messages})
    assert response.status_code == 200 and not response.json()["abstained"]
    # The last user message is the question; earlier user and assistant turns are its history.
    assert service.seen == [
        (
            "What about managers?",
            [("user", "What are the top skills of a staff engineer?"), ("assistant", "Deep technical experience [1].")],
            None,
        )
    ]


@pytest.mark.parametrize(
    "messages,status",
    [
        ([], 422),
        ([{"role": "assistant", "content": "hello"}], 422),
        ([{"role": "wizard", "content": "x"}], 422),
        # An empty question is OpenAI's 400 (BadRequestError), "" and "   " alike.
        ([{"role": "user", "content": "   "}], 400),
        ([{"role": "user", "content": ""}], 400),
        ([{"role": "user", "content": [{"type": "text", "text": ""}]}], 400),
    ],
)
def test_chat_requests_without_a_question_are_4xx(client, messages, status):
    response = client.post("/v1/chat/completions", json={"messages": messages})
    assert response.status_code == status
    error = response.json()["error"]
    assert error["type"] == "invalid_request" and "messages" in error["message"], error


def test_models_lists_career_assistant(client):
    assert client.get("/v1/models").json()["data"][0]["id"] == "career-assistant"


# -- OpenAI's conventions (issue 14): usage, max_tokens, stop, parameters, errors ---------------
def _chat(client, **extra):
    return client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": QUESTION}], **extra})


def _stream(client, **extra) -> list[dict]:
    response = _chat(client, stream=True, **extra)
    assert response.status_code == 200, response.text
    datas = [line[len("data: ") :] for line in response.text.splitlines() if line.startswith("data: ")]
    assert datas[-1] == "[DONE]"
    return [json.loads(d) for d in datas[:-1]]


def _streamed_text(chunks: list[dict]) -> str:
    return "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])


def test_usage_counts_the_messages_sent_and_the_text_returned(client):
    from assistant.tokens import WordTokens

    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": QUESTION}]
    body = client.post("/v1/chat/completions", json={"messages": messages}).json()
    content = body["choices"][0]["message"]["content"]
    # The extractive backend has no tokenizer: WordTokens counts.
    words = WordTokens()
    prompt, completion = words.count("Be brief.") + words.count(QUESTION), words.count(content)
    assert body["usage"] == {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
    assert completion > 10 and prompt == 3 + 7


def test_max_tokens_cuts_the_text_with_finish_reason_length(client):
    from assistant.tokens import WordTokens

    whole = _chat(client).json()
    assert whole["choices"][0]["finish_reason"] == "stop" and len(whole["citations"]) >= 1
    full = whole["choices"][0]["message"]["content"]
    for parameter in ("max_tokens", "max_completion_tokens"):
        cut = _chat(client, **{parameter: 4}).json()
        content = cut["choices"][0]["message"]["content"]
        assert cut["choices"][0]["finish_reason"] == "length"
        assert content == WordTokens().cut(full, 4) and full.startswith(content) and len(content) < len(full)
        assert cut["usage"]["completion_tokens"] == 4
        assert cut["citations"] == []  # no marker is left in four words
    # Enough tokens for the whole answer: nothing is cut.
    roomy = _chat(client, max_tokens=10_000).json()
    assert roomy["choices"][0] == whole["choices"][0] and roomy["citations"] == whole["citations"]


def test_a_cut_keeps_the_citations_whose_markers_remain(client):
    full = _chat(client).json()["choices"][0]["message"]["content"]
    end = full.index("[1]") + len("[1]")
    from assistant.tokens import WordTokens

    limit = WordTokens().count(full[:end])
    cut = _chat(client, max_tokens=limit).json()
    assert cut["choices"][0]["message"]["content"] == full[:end]
    assert [c["id"] for c in cut["citations"]] == [1]


def test_stop_ends_the_text_before_the_first_stop_sequence(client):
    full = _chat(client).json()["choices"][0]["message"]["content"]
    body = _chat(client, stop=["zzz-never", "["]).json()
    assert body["choices"][0]["message"]["content"] == full[: full.index("[")]
    assert body["choices"][0]["finish_reason"] == "stop" and body["citations"] == []
    assert _chat(client, stop="zzz-never").json()["choices"][0]["message"]["content"] == full


def test_a_stream_sends_usage_last_when_asked(client):
    whole = _chat(client).json()
    chunks = _stream(client, stream_options={"include_usage": True})
    *answer, last = chunks
    assert last["choices"] == [] and last["usage"] == whole["usage"]
    assert all(c["usage"] is None for c in answer)  # as OpenAI: null until the last chunk
    assert _streamed_text(answer) == whole["choices"][0]["message"]["content"]
    assert answer[-1]["choices"][0]["finish_reason"] == "stop" and answer[-1]["citations"] == whole["citations"]
    # Not asked: no usage anywhere (OpenAI's default).
    assert all("usage" not in c for c in _stream(client))


def test_a_stream_is_cut_as_the_plain_answer_is(client):
    for extra in ({"max_tokens": 4}, {"stop": "["}):
        plain = _chat(client, **extra).json()
        chunks = _stream(client, stream_options={"include_usage": True}, **extra)
        assert _streamed_text(chunks) == plain["choices"][0]["message"]["content"]
        assert chunks[-2]["choices"][0]["finish_reason"] == plain["choices"][0]["finish_reason"]
        assert chunks[-1]["usage"] == plain["usage"]


def test_a_stop_sequence_across_two_pieces_is_never_sent(client):
    chunks = _stream(client)
    pieces = [c["choices"][0]["delta"]["content"] for c in chunks if c["choices"][0]["delta"].get("content")]
    assert len(pieces) >= 2
    stop = pieces[0][-4:] + pieces[1][:3]  # begins in the first piece, ends in the second
    full = "".join(pieces)
    cut = _stream(client, stop=[stop])
    assert _streamed_text(cut) == full[: full.index(stop)]


class _KeepsCancel(AnswerService):
    """Remembers the cancel event the HTTP layer handed each answer."""

    cancels: list

    def stream(self, question, history=(), top_k=None, cancel=None, answer_id=None):
        self.cancels.append(cancel)
        yield from super().stream(question, history, top_k, cancel, answer_id)


def test_a_cut_answer_stops_the_model(make_client, retriever):
    from tests.fakes import scripted

    llm = scripted("Staff engineers lead through influence [1].", gated=True)
    from tests.conftest import FAKE_ABSTAIN_BELOW

    service = _KeepsCancel(retriever, llm, backend="fake", abstain_below=FAKE_ABSTAIN_BELOW, llm_timeout_s=600)
    service.cancels = []
    client = make_client(service=service)
    try:
        for stream in (False, True):
            # The lead quote fills the one token: the answer is cancelled, so it ends although
            # the gated model is never released, and the model's place is freed at once.
            response = _chat(client, max_tokens=1, stream=stream)
            assert response.status_code == 200 and "abstained\":false" in response.text.replace(" ", "")
            assert service.cancels[-1].is_set()
            assert service.gate.wait_idle(timeout=30)
        # Uncut, the answer is not cancelled.
        llm.release.set()
        assert _chat(client).status_code == 200 and not service.cancels[-1].is_set()
    finally:
        llm.release.set()


@pytest.mark.parametrize(
    "extra,param,code",
    [
        ({"n": 2}, "n", "unsupported_value"),
        ({"temperature": 2.5}, "temperature", "invalid_value"),
        ({"top_p": -0.1}, "top_p", "invalid_value"),
        ({"max_tokens": 0}, "max_tokens", "invalid_value"),
        ({"max_completion_tokens": -3}, "max_completion_tokens", "invalid_value"),
        ({"stop": ["a", "b", "c", "d", "e"]}, "stop", "invalid_value"),
        ({"stop": [""]}, "stop", "invalid_value"),
        ({"logprobs": True}, "logprobs", "unsupported_parameter"),
        ({"top_logprobs": 3}, "top_logprobs", "unsupported_parameter"),
        ({"tools": [{"type": "function", "function": {"name": "f"}}]}, "tools", "unsupported_parameter"),
        ({"tool_choice": "required"}, "tool_choice", "unsupported_parameter"),
        (
            {"response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {}}}},
            "response_format",
            "unsupported_parameter",
        ),
        ({"response_format": {"type": "json_object"}}, "response_format", "unsupported_parameter"),
        ({"frequency_penalty": 0.5}, "frequency_penalty", "unsupported_parameter"),
        ({"logit_bias": {"50256": -100}}, "logit_bias", "unsupported_parameter"),
        ({"modalities": ["text", "audio"]}, "modalities", "unsupported_parameter"),
        ({"store": True}, "store", "unsupported_parameter"),
        ({"stream_options": {"include_usage": True}}, "stream_options", "invalid_value"),
        (
            {"stream": True, "stream_options": {"include_usage": True, "chunk_size": 3}},
            "stream_options.chunk_size",
            "unsupported_parameter",
        ),
        ({"frobnicate": True}, "frobnicate", "unknown_parameter"),
    ],
)
def test_what_cannot_be_honoured_is_a_400_naming_the_parameter(client, extra, param, code):
    response = _chat(client, **extra)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["param"] == param, error
    assert f"`{param}`" in error["message"], error
    assert error["code"] == code, error  # OpenAI's code for this refusal, as its SDKs expose it


@pytest.mark.parametrize(
    "extra",
    [
        {"temperature": 0.7, "top_p": 0.9, "seed": 3},
        {"temperature": 0, "top_p": 1},
        {"logprobs": False, "frequency_penalty": 0, "presence_penalty": 0.0, "tools": [], "tool_choice": "none"},
        {"response_format": {"type": "text"}, "modalities": ["text"], "store": False, "user": "u-1", "metadata": {"a": "b"}},
        {"n": 1, "max_tokens": None, "stop": None, "logit_bias": None},
    ],
)
def test_what_changes_nothing_is_accepted(client, extra):
    plain = _chat(client).json()
    response = _chat(client, **extra)
    assert response.status_code == 200, response.text
    assert response.json()["choices"] == plain["choices"]


def test_an_unknown_model_is_a_404_in_openais_shape(client):
    for response in (_chat(client, model="gpt-4o"), _chat(client, model="gpt-4o", stream=True), client.get("/v1/models/gpt-4o")):
        assert response.status_code == 404
        error = response.json()["error"]
        assert error["code"] == "model_not_found" and error["param"] == "model"
        assert "`gpt-4o`" in error["message"] and "career-assistant" in error["message"]
        assert {"message", "type", "param", "code"} <= set(error)
    # The assistant's own API keeps its own shape.
    assert set(client.post("/v1/ask", json={"question": ""}).json()["error"]) == {"type", "message", "details"}


def test_models_and_one_model(client):
    import time

    listed = client.get("/v1/models").json()
    card = client.get("/v1/models/career-assistant").json()
    assert listed == {"object": "list", "data": [card]}
    assert card["object"] == "model" and card["owned_by"] == "career-assistant"
    assert 1_600_000_000 < card["created"] <= time.time()
    assert client.get("/v1/models/org/career-assistant").status_code == 404
