"""The OpenAI-compatible endpoint, in-process."""

from __future__ import annotations

import json

import pytest

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
    "messages",
    [[], [{"role": "assistant", "content": "hello"}], [{"role": "user", "content": "   "}], [{"role": "wizard", "content": "x"}]],
)
def test_chat_requests_without_a_question_are_4xx(client, messages):
    response = client.post("/v1/chat/completions", json={"messages": messages})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["type"] == "invalid_request" and "messages" in error["message"], error


def test_models_lists_career_assistant(client):
    assert client.get("/v1/models").json()["data"][0]["id"] == "career-assistant"
