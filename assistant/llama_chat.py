"""ChatLlama: a thin LangChain chat model over llama-cpp-python's ``Llama``.

It replaces langchain-community's ChatLlamaCpp (that package is being sunset) and
calls llama.cpp the same way, so a prompt gives the same text at temperature 0:
the same sampling settings (ChatLlamaCpp's repeat_penalty 1.1, top_p, top_k),
the same context settings, and llama.cpp's own chat template from the GGUF file.

llama.cpp is not re-entrant: one lock guards every call into the model, from
loading to the end of a generation. A stream holds the lock while it is being
read; closing it (or dropping it) stops llama.cpp at the next token and frees
the model at once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.base import LangSmithParams
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
    UsageMetadata,
)
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field, PrivateAttr, model_validator

if TYPE_CHECKING:
    from llama_cpp import Llama

__all__ = ["ChatLlama"]

_ROLES = {"system", "user", "assistant"}


class ChatLlama(BaseChatModel):
    """A local GGUF model run in-process by llama.cpp."""

    model_path: str
    """The GGUF file."""
    model_name: str = ""
    """Reported in metadata and traces; the file name unless set."""
    n_ctx: int = Field(2048, ge=1)
    """Context window in tokens (prompt and answer together)."""
    n_threads: int | None = Field(None, ge=1)
    """CPU threads; None lets llama.cpp choose."""
    n_batch: int = Field(512, ge=1)
    """Prompt tokens evaluated per step: llama.cpp's own default. ChatLlamaCpp's 8 read a
    330-token prompt in 3.4 s on 2 cores, against 1.5 s at 512. (The batch size changes the
    floating-point order of the prompt's evaluation, and with it, now and then, a token.)"""
    rope_freq_base: float = 10_000.0
    """RoPE base frequency. ChatLlamaCpp always passed 10000 (overriding the GGUF's own
    value); 0 takes the model's value. Kept as ChatLlamaCpp had it so answers stay the same."""
    rope_freq_scale: float = 1.0
    """RoPE frequency scale, as ChatLlamaCpp passed it; 0 takes the model's value."""
    max_tokens: int = Field(256, ge=1)
    """Longest answer in tokens; a longer one ends with finish_reason "length"."""
    temperature: float = Field(0.0, ge=0.0)
    """0 is greedy decoding: the same prompt gives the same answer."""
    seed: int = 0
    top_p: float = 0.95
    top_k: int = 40
    repeat_penalty: float = 1.1
    """ChatLlamaCpp's default; llama.cpp's create_chat_completion defaults to 1.0, which
    changes greedy answers, so it is always passed."""
    stop: list[str] | None = None
    """Stop sequences used when a call gives none."""
    verbose: bool = False
    """llama.cpp's own log on stderr."""

    _llama: Llama | None = PrivateAttr(default=None)
    # Guards loading and every generation: a Llama object serves one call at a time.
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @model_validator(mode="after")
    def _default_model_name(self) -> ChatLlama:
        if not self.model_name:
            self.model_name = Path(self.model_path).name
        return self

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {
            "model_path": self.model_path,
            "n_ctx": self.n_ctx,
            "n_batch": self.n_batch,
            "rope_freq_base": self.rope_freq_base,
            "rope_freq_scale": self.rope_freq_scale,
            "seed": self.seed,
            **self._sampling(),
        }

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        params = super()._get_ls_params(stop=stop, **kwargs)
        params["ls_provider"] = "llamacpp"
        return params

    def load(self) -> ChatLlama:
        """Load the model now rather than at the first call, so a bad file fails early."""
        with self._lock:
            self._loaded()
        return self

    def get_token_ids(self, text: str) -> list[int]:
        """The model's own tokens of a text (LangChain's get_num_tokens counts these): the
        text alone, without a BOS token or a chat template's role tokens.

        Tokenizing reads only the vocabulary, never the context a generation is using, so
        it does not wait for the lock that a running generation holds.
        """
        if not text:
            return []
        return self._llama_for_vocabulary().tokenize(text.encode("utf-8"), add_bos=False, special=False)

    def decode_tokens(self, token_ids: list[int]) -> str:
        """The text of model tokens; a character cut in half at the end is left out."""
        return self._llama_for_vocabulary().detokenize(token_ids).decode("utf-8", errors="ignore")

    def _llama_for_vocabulary(self) -> Llama:
        if self._llama is None:
            with self._lock:
                self._loaded()
        assert self._llama is not None
        return self._llama

    def _fresh(self) -> Llama:
        """The Llama with an empty context; the caller holds the lock.

        llama-cpp-python re-uses the cached start of the previous prompt, and a prompt
        evaluated in other batches than before can change a greedy answer (asking the same
        question twice gave two answers). Starting empty makes the answer depend on the
        prompt alone; it costs re-reading the system prompt, the only part questions share.
        """
        llama = self._loaded()
        llama.reset()
        return llama

    def _loaded(self) -> Llama:
        """The Llama, built on first use; the caller holds the lock."""
        if self._llama is None:
            from llama_cpp import Llama

            self._llama = Llama(
                model_path=self.model_path,
                n_ctx=self.n_ctx,
                n_threads=self.n_threads,
                n_batch=self.n_batch,
                rope_freq_base=self.rope_freq_base,
                rope_freq_scale=self.rope_freq_scale,
                seed=self.seed,
                verbose=self.verbose,
            )
        return self._llama

    def _sampling(self) -> dict[str, Any]:
        return {
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "top_p": self.top_p,
            "top_k": self.top_k,
            "repeat_penalty": self.repeat_penalty,
        }

    def _call_params(self, stop: list[str] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        # Per-call settings (invoke(..., max_tokens=5)) go straight to create_chat_completion,
        # which rejects any it does not know.
        # The seed goes with every call: without it llama-cpp-python draws the next call's seed
        # from the last one, and two sampled (temperature > 0) answers to one prompt differ.
        return {**self._sampling(), "seed": self.seed, "stop": stop or self.stop or [], **kwargs}

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        params = self._call_params(stop, kwargs)
        with self._lock:
            response = self._fresh().create_chat_completion(messages=_to_llama(messages), **params)
        choice = response["choices"][0]
        finish_reason = choice.get("finish_reason")
        usage = response.get("usage")
        message = AIMessage(
            content=choice["message"].get("content") or "",
            response_metadata={"finish_reason": finish_reason, "model_name": self.model_name},
            usage_metadata=_usage(usage) if usage else None,
        )
        return ChatResult(
            generations=[ChatGeneration(message=message, generation_info={"finish_reason": finish_reason})],
            llm_output={"token_usage": usage or {}, "model_name": self.model_name},
        )

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        params = self._call_params(stop, kwargs)
        llama_messages = _to_llama(messages)
        with self._lock:
            chunks = self._fresh().create_chat_completion(messages=llama_messages, stream=True, **params)
            try:
                for chunk in chunks:
                    choice = chunk["choices"][0]
                    text = choice["delta"].get("content") or ""
                    finish_reason = choice.get("finish_reason")
                    if text:
                        piece = ChatGenerationChunk(message=AIMessageChunk(content=text))
                        if run_manager:
                            run_manager.on_llm_new_token(text, chunk=piece)
                        yield piece
                    if finish_reason:
                        # llama-cpp-python counts no tokens in a stream, so the last chunk
                        # carries the finish reason but no usage.
                        yield ChatGenerationChunk(
                            message=AIMessageChunk(
                                content="",
                                chunk_position="last",
                                response_metadata={"finish_reason": finish_reason, "model_name": self.model_name},
                            ),
                            generation_info={"finish_reason": finish_reason},
                        )
            finally:
                # Closing llama-cpp-python's generator ends the generation before its next
                # token, so an abandoned stream does not keep the model busy.
                chunks.close()


def _to_llama(messages: list[BaseMessage]) -> list[dict[str, str]]:
    """LangChain messages as llama.cpp's chat messages: role and plain text."""
    converted = []
    for message in messages:
        if isinstance(message, SystemMessage):
            role = "system"
        elif isinstance(message, HumanMessage):
            role = "user"
        elif isinstance(message, AIMessage):
            role = "assistant"
        elif isinstance(message, ChatMessage) and message.role in _ROLES:
            role = message.role
        else:
            raise ValueError(f"ChatLlama takes system, user and assistant messages, not {message.type!r}")
        if isinstance(message.content, list) and any(
            not isinstance(block, str) and block.get("type") != "text" for block in message.content
        ):
            raise ValueError("ChatLlama takes text only")
        converted.append({"role": role, "content": message.text})
    return converted


def _usage(usage: dict[str, int]) -> UsageMetadata:
    return UsageMetadata(
        input_tokens=usage["prompt_tokens"],
        output_tokens=usage["completion_tokens"],
        total_tokens=usage["total_tokens"],
    )
