"""The OpenAI-compatible endpoint as OpenAI's own client reads it, against the real
`assistant serve` with the embedded LLM: usage counted with the model's own tokenizer,
usage in streams, finish_reason "length", and errors raised as the SDK's exception classes."""

from __future__ import annotations

import openai
import pytest
from openai import OpenAI

from tests.conftest import LIVE_API_KEY

pytestmark = pytest.mark.integration
QUESTION = "Do staff engineers only write code?"
MESSAGES = [{"role": "system", "content": "Answer briefly."}, {"role": "user", "content": QUESTION}]


@pytest.fixture(scope="module")
def client(live_server) -> OpenAI:
    base, _ = live_server
    return OpenAI(base_url=f"{base}/v1", api_key=LIVE_API_KEY, timeout=120, max_retries=0)


@pytest.fixture(scope="module")
def model_tokens():
    """The embedded model's own tokenizer, loaded here from the same GGUF file (vocabulary only)."""
    from llama_cpp import Llama

    from assistant.llm import bundled_gguf_path

    vocabulary = Llama(model_path=str(bundled_gguf_path()), vocab_only=True, verbose=False)
    return lambda text: len(vocabulary.tokenize(text.encode("utf-8"), add_bos=False, special=False)) if text else 0


def test_a_completion_counts_its_tokens_with_the_models_tokenizer(client, model_tokens):
    completion = client.chat.completions.create(model="career-assistant", messages=MESSAGES)
    content = completion.choices[0].message.content
    assert "[1]" in content and completion.choices[0].finish_reason == "stop"
    usage = completion.usage
    assert usage.prompt_tokens == sum(model_tokens(m["content"]) for m in MESSAGES)
    assert usage.completion_tokens == model_tokens(content) > 10
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


def test_a_stream_ends_with_usage_when_asked(client, model_tokens):
    chunks = list(
        client.chat.completions.create(
            model="career-assistant", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
        )
    )
    *answer, last = chunks
    assert last.choices == [] and last.usage is not None
    assert all(chunk.usage is None for chunk in answer)
    text = "".join(chunk.choices[0].delta.content or "" for chunk in answer)
    assert "myth" in text and answer[-1].choices[0].finish_reason == "stop"
    assert answer[-1].model_extra["citations"]
    assert last.usage.completion_tokens == model_tokens(text)
    assert last.usage.prompt_tokens == sum(model_tokens(m["content"]) for m in MESSAGES)


@pytest.mark.parametrize("stream", [False, True])
def test_max_tokens_cuts_the_answer_with_finish_reason_length(client, model_tokens, stream):
    full = client.chat.completions.create(model="career-assistant", messages=MESSAGES).choices[0].message.content
    if stream:
        chunks = list(
            client.chat.completions.create(
                model="career-assistant", messages=MESSAGES, max_tokens=5, stream=True, stream_options={"include_usage": True}
            )
        )
        content = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        finish_reason, usage = chunks[-2].choices[0].finish_reason, chunks[-1].usage
    else:
        completion = client.chat.completions.create(model="career-assistant", messages=MESSAGES, max_tokens=5)
        content, finish_reason, usage = completion.choices[0].message.content, completion.choices[0].finish_reason, completion.usage
    assert finish_reason == "length"
    assert content and full.startswith(content) and len(content) < len(full)
    assert usage.completion_tokens == model_tokens(content) <= 5


def test_unsupported_requests_raise_bad_request(client):
    with pytest.raises(openai.BadRequestError) as n_error:
        client.chat.completions.create(model="career-assistant", messages=MESSAGES, n=2)
    assert n_error.value.param == "n" and "n=2" in n_error.value.message
    with pytest.raises(openai.BadRequestError) as logprobs_error:
        client.chat.completions.create(model="career-assistant", messages=MESSAGES, logprobs=True, top_logprobs=2)
    assert logprobs_error.value.param == "logprobs" and logprobs_error.value.code == "unsupported_parameter"
    with pytest.raises(openai.BadRequestError) as format_error:
        client.chat.completions.create(
            model="career-assistant",
            messages=MESSAGES,
            response_format={"type": "json_schema", "json_schema": {"name": "answer", "schema": {"type": "object"}}},
        )
    assert format_error.value.param == "response_format"
    with pytest.raises(openai.BadRequestError) as temperature_error:
        client.chat.completions.create(model="career-assistant", messages=MESSAGES, temperature=3)
    assert temperature_error.value.param == "temperature"


@pytest.mark.parametrize("content", ["", "   "])
@pytest.mark.parametrize("stream", [False, True])
def test_an_empty_message_raises_bad_request_like_openais(client, content, stream):
    """OpenAI answers an empty message with 400, which its SDK raises as BadRequestError
    (a 422 would be UnprocessableEntityError); "" and "   " alike, streamed or not."""
    messages = [{"role": "system", "content": "Answer briefly."}, {"role": "user", "content": content}]
    with pytest.raises(openai.BadRequestError) as empty_error:
        client.chat.completions.create(model="career-assistant", messages=messages, stream=stream)
    assert empty_error.value.status_code == 400 and empty_error.value.param == "messages"
    assert "the question is empty" in empty_error.value.message


def test_an_unknown_model_raises_not_found(client):
    with pytest.raises(openai.NotFoundError) as chat_error:
        client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    assert chat_error.value.code == "model_not_found" and chat_error.value.param == "model"
    with pytest.raises(openai.NotFoundError) as stream_error:
        client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)
    assert stream_error.value.code == "model_not_found"
    with pytest.raises(openai.NotFoundError) as retrieve_error:
        client.models.retrieve("gpt-4o")
    assert retrieve_error.value.code == "model_not_found"


def test_the_model_is_listed_and_retrieved(client):
    model = client.models.retrieve("career-assistant")
    assert [m.model_dump() for m in client.models.list()] == [model.model_dump()]
    assert model.id == "career-assistant" and model.object == "model" and model.created > 1_600_000_000
