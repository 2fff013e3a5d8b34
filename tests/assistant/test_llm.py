"""One option picks the LLM backend; a backend that cannot be used says why."""

from __future__ import annotations

import pytest

from assistant.errors import LLMUnavailableError
from assistant.llm import backend_label, build_chat_model
from assistant.settings import Settings


def settings(**values) -> Settings:
    return Settings(_env_file=None, **values)


def test_one_option_is_enough_to_switch_the_backend():
    # Nothing set: no LLM, the bundled model one setting away (issue 26: it added nothing).
    assert settings().backend == "extractive"
    assert settings(llm_backend="embedded").backend == "embedded"
    assert settings(llm_gguf_path="/models/x.gguf").backend == "gguf"
    assert settings(llm_base_url="http://127.0.0.1:11434/v1").backend == "openai"
    assert settings(llm_backend="extractive", llm_base_url="http://127.0.0.1:1/v1").backend == "extractive"


def test_labels_name_the_model():
    assert backend_label(settings(llm_backend="embedded")) == "embedded:SmolLM2-135M-Instruct.Q4_1"
    assert backend_label(settings()) == "extractive"
    assert backend_label(settings(llm_gguf_path="/models/qwen.gguf")) == "gguf:qwen.gguf"
    assert backend_label(settings(llm_base_url="http://h:1/v1", llm_model="m")) == "openai:m@http://h:1/v1"
    assert backend_label(settings(llm_backend="extractive")) == "extractive"


def test_the_extractive_backend_has_no_model():
    assert build_chat_model(settings(llm_backend="extractive")) is None


@pytest.mark.parametrize(
    "values,words",
    [
        ({"llm_backend": "gguf"}, "needs ASSISTANT_LLM_GGUF_PATH"),
        ({"llm_gguf_path": "/nowhere/model.gguf"}, "GGUF model file not found: /nowhere/model.gguf"),
        ({"llm_backend": "openai"}, "needs ASSISTANT_LLM_BASE_URL"),
    ],
)
def test_a_backend_that_cannot_be_used_says_why(values, words):
    with pytest.raises(LLMUnavailableError, match=words):
        build_chat_model(settings(**values))


def test_a_file_that_is_not_a_model_is_refused_by_name(tmp_path):
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"not a gguf file")
    with pytest.raises(LLMUnavailableError, match="cannot load the GGUF model"):
        build_chat_model(settings(llm_gguf_path=str(broken)))


def test_the_openai_backend_makes_one_attempt_within_the_llm_timeout():
    """A retry would hold the model line for a second timeout (issue 11: a hung server)."""
    model = build_chat_model(settings(llm_base_url="http://127.0.0.1:9/v1", llm_model="m", llm_timeout_s=7))
    assert model.max_retries == 0 and model.request_timeout == 7
    assert model.model_name == "m" and model.temperature == 0.0
