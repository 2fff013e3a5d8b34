"""ChatLlama on the real bundled GGUF (SmolLM2-135M): LangChain's standard chat-model
suites, and what the assistant relies on (stop, max_tokens, repeatable answers,
streaming equal to invoking, and an abandoned stream freeing the model at once)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk, HumanMessage, SystemMessage, ToolMessage
from langchain_core.prompts import ChatPromptTemplate
from langchain_tests.integration_tests import ChatModelIntegrationTests
from langchain_tests.unit_tests import ChatModelUnitTests

from assistant.errors import LLMUnavailableError
from assistant.llama_chat import ChatLlama
from assistant.llm import build_chat_model, bundled_gguf_path
from assistant.settings import Settings

MODEL: dict[str, Any] = {"model_path": str(bundled_gguf_path()), "n_ctx": 1024, "n_threads": 2}
# Small answers keep the module quick on two cores; the suites only need some text.
PARAMS: dict[str, Any] = {**MODEL, "max_tokens": 12}

PROMPT = [
    SystemMessage("You answer questions about careers in plain words."),
    HumanMessage("What does a staff engineer do all day? Answer in three sentences."),
]


@pytest.fixture(scope="session")
def chat() -> ChatLlama:
    """The real model, loaded once for the session; every test here shares it."""
    return ChatLlama(**PARAMS).load()


@pytest.fixture(scope="session")
def reference(chat: ChatLlama) -> str:
    """The model's answer to PROMPT at 40 tokens, computed once."""
    return chat.invoke(PROMPT, max_tokens=40).text


class TestChatLlamaUnit(ChatModelUnitTests):
    @property
    def chat_model_class(self) -> type[ChatLlama]:
        return ChatLlama

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return MODEL  # the model loads at first use, so these tests never load it

    @property
    def has_tool_calling(self) -> bool:
        return False

    @property
    def has_structured_output(self) -> bool:
        return False

    @property
    def supports_model_override(self) -> bool:
        return False  # one instance runs one GGUF file


class TestChatLlamaIntegration(ChatModelIntegrationTests):
    @property
    def chat_model_class(self) -> type[ChatLlama]:
        return ChatLlama

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return PARAMS

    @property
    def has_tool_calling(self) -> bool:
        return False

    @property
    def has_structured_output(self) -> bool:
        return False

    @property
    def supports_json_mode(self) -> bool:
        return False

    @property
    def returns_usage_metadata(self) -> bool:
        # invoke reports usage (test_invoke_reports_usage_and_finish_reason below), but
        # llama-cpp-python counts no tokens in a stream, and the suite checks both at once.
        return False

    @property
    def supports_model_override(self) -> bool:
        return False

    @pytest.fixture
    def model(self, request: pytest.FixtureRequest, chat: ChatLlama) -> ChatLlama:
        """The session's model rather than one load per test; the suite's only per-test
        setting is output_version, which does not touch the loaded Llama (the copy shares it
        and its lock)."""
        extra = getattr(request, "param", None) or {}
        assert set(extra) <= {"output_version"}, extra
        return chat.model_copy(update=extra)


def test_invoke_reports_usage_and_finish_reason(chat):
    message = chat.invoke(PROMPT)
    assert message.text
    assert message.usage_metadata["input_tokens"] > 20
    assert 0 < message.usage_metadata["output_tokens"] <= PARAMS["max_tokens"]
    assert message.usage_metadata["total_tokens"] == (
        message.usage_metadata["input_tokens"] + message.usage_metadata["output_tokens"]
    )
    assert message.response_metadata["finish_reason"] in {"stop", "length"}
    assert message.response_metadata["model_name"] == "SmolLM2-135M-Instruct.Q4_1.gguf"


def test_max_tokens_cuts_the_answer_with_finish_reason_length(chat, reference):
    message = chat.invoke(PROMPT, max_tokens=5)
    assert message.response_metadata["finish_reason"] == "length"
    assert message.usage_metadata["output_tokens"] == 5
    assert reference.startswith(message.text) and len(message.text) < len(reference)

    chunks = list(chat.stream(PROMPT, max_tokens=5))
    assert chunks[-1].response_metadata["finish_reason"] == "length"
    assert "".join(c.text for c in chunks) == message.text


def test_a_stop_sequence_ends_the_answer_just_before_it(chat, reference):
    words = reference.split()
    assert len(words) > 4, reference
    stop = words[3]
    expected = reference[: reference.index(stop)]

    message = chat.invoke(PROMPT, stop=[stop], max_tokens=40)
    assert message.text == expected
    assert message.response_metadata["finish_reason"] == "stop"

    streamed = "".join(c.text for c in chat.stream(PROMPT, stop=[stop], max_tokens=40))
    assert streamed == expected


def test_a_stop_sequence_set_on_the_model_applies_to_every_call(chat, reference):
    stop = reference.split()[3]
    stopped = chat.model_copy(update={"stop": [stop]})
    assert stopped.invoke(PROMPT, max_tokens=40).text == reference[: reference.index(stop)]


def test_the_same_seed_gives_the_same_answer_twice(chat, reference):
    assert chat.invoke(PROMPT, max_tokens=40).text == reference
    # Also when sampling: the Llama's seed fixes the sampler's.
    sampled = [chat.invoke(PROMPT, max_tokens=20, temperature=0.9).text for _ in range(2)]
    assert sampled[0] == sampled[1]


def test_a_stream_yields_token_chunks_that_add_up_to_the_invoked_text(chat, reference):
    chunks = list(chat.stream(PROMPT, max_tokens=40))
    texts = [c.text for c in chunks if c.text]
    assert len(texts) >= 5
    assert all(isinstance(c, AIMessageChunk) for c in chunks)
    assert "".join(texts) == reference
    assert chunks[-1].chunk_position == "last"
    assert chunks[-1].response_metadata["finish_reason"] in {"stop", "length"}


def test_closing_a_stream_early_stops_llama_cpp_and_frees_the_model(chat, reference):
    prompt = ChatPromptTemplate.from_messages([("system", "{system}"), ("human", "{question}")])
    # No StrOutputParser here: closing a chain that ends in it drains the model's stream to
    # the end (LangChain's transform, not ChatLlama), which would hide what this test checks.
    chain = prompt | chat.bind(max_tokens=400)
    stream = chain.stream({"system": PROMPT[0].text, "question": PROMPT[1].text})
    assert next(stream) and next(stream)
    llama = chat._llama  # the loaded llama_cpp.Llama: its n_tokens counts the tokens it has evaluated
    evaluated = llama.n_tokens
    stream.close()
    # Closing generated nothing more: llama.cpp stopped at the token it was on.
    assert llama.n_tokens == evaluated
    # And the lock is free: a new call runs (bounded wait, so a leaked lock fails rather than hangs).
    with ThreadPoolExecutor(1) as pool:
        again = pool.submit(chat.invoke, PROMPT, max_tokens=40).result(timeout=120)
    assert again.text == reference


def test_an_abandoned_stream_frees_the_model_too(chat, reference):
    """The service's worker stops reading with `break`; dropping the stream must free the model."""
    for _ in chat.stream(PROMPT, max_tokens=400):
        break
    with ThreadPoolExecutor(1) as pool:
        again = pool.submit(chat.invoke, PROMPT, max_tokens=40).result(timeout=120)
    assert again.text == reference


def test_messages_other_than_system_user_and_assistant_are_refused(chat):
    with pytest.raises(ValueError, match="system, user and assistant"):
        chat.invoke([ToolMessage("42", tool_call_id="call-1")])


def test_a_file_llama_cpp_cannot_read_is_llm_unavailable(tmp_path):
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"not a gguf file")
    settings = Settings(_env_file=None, llm_backend="gguf", llm_gguf_path=str(broken))
    with pytest.raises(LLMUnavailableError, match="cannot load the GGUF model"):
        build_chat_model(settings)


def test_the_embedded_backend_is_chat_llama_with_the_settings():
    model = build_chat_model(Settings(_env_file=None, llm_backend="embedded", llm_max_tokens=99, llm_threads=1))
    assert isinstance(model, ChatLlama)
    assert (model.max_tokens, model.n_threads, model.temperature, model.seed) == (99, 1, 0.0, 0)


def test_token_counts_are_the_models_own_and_need_not_wait_for_a_generation(chat, reference):
    from assistant.tokens import LlamaTokens, token_counter

    text = "Staff engineers lead through influence [1]."
    ids = chat.get_token_ids(text)
    assert ids == chat._llama.tokenize(text.encode(), add_bos=False, special=False)
    assert chat.get_num_tokens(text) == len(ids) and chat.decode_tokens(ids) == text
    counter = token_counter(chat)
    assert isinstance(counter, LlamaTokens) and counter.count(text) == len(ids)
    start = counter.cut(text, 3)
    assert text.startswith(start) and counter.count(start) == 3 and counter.cut(text, 100) == text
    # A stream holds the model's lock while it is read; counting reads only the vocabulary.
    expected = len(chat.get_token_ids(reference))
    stream = chat.stream(PROMPT)
    next(stream)
    try:
        with ThreadPoolExecutor(1) as pool:
            assert pool.submit(chat.get_num_tokens, reference).result(timeout=60) == expected > 10
    finally:
        stream.close()
