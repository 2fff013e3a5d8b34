"""Token counts and cuts for what the OpenAI-compatible endpoint reports (`usage`) and
honours (`max_tokens`).

With an in-process model (ChatLlama: the embedded and gguf backends) the counts are that
model's own tokens. Otherwise (the extractive backend, which has no model, and the openai
backend, whose LangChain model would count with tiktoken: an encoding it downloads, and
not the remote model's tokenizer anyway) they are counted with WordTokens, a documented
approximation. Either way the numbers are about the texts the client sees: see
``assistant.server.routers.chat`` for what is counted.
"""

from __future__ import annotations

import re
from typing import Protocol

from langchain_core.language_models import BaseChatModel

from assistant.llama_chat import ChatLlama

__all__ = ["LlamaTokens", "TokenCounter", "WordTokens", "token_counter"]


class TokenCounter(Protocol):
    name: str

    def count(self, text: str) -> int: ...

    def cut(self, text: str, limit: int) -> str:
        """The longest start of ``text`` of at most ``limit`` tokens."""
        ...


class LlamaTokens:
    """The tokens of the model that writes the answers (llama.cpp's tokenizer)."""

    name = "model"

    def __init__(self, llm: ChatLlama) -> None:
        self.llm = llm

    def count(self, text: str) -> int:
        return len(self.llm.get_token_ids(text))

    def cut(self, text: str, limit: int) -> str:
        ids = self.llm.get_token_ids(text)
        if len(ids) <= limit:
            return text
        start = self.llm.decode_tokens(ids[:limit])
        # Decoding may differ from the text in spaces; the client gets a true start of it.
        return text[: len(start)] if text.startswith(start) else start


class WordTokens:
    """Each word (a run of letters, digits and underscores) and each other non-space
    character counts as one token: "[12]" is three, "don't" three. Close to a subword
    tokenizer's count for English prose, a little under it for rare words."""

    name = "words"
    _TOKEN = re.compile(r"\w+|[^\w\s]")

    def count(self, text: str) -> int:
        return sum(1 for _ in self._TOKEN.finditer(text))

    def cut(self, text: str, limit: int) -> str:
        for index, match in enumerate(self._TOKEN.finditer(text), start=1):
            if index == limit:
                return text[: match.end()]
        return text


def token_counter(llm: BaseChatModel | None) -> TokenCounter:
    return LlamaTokens(llm) if isinstance(llm, ChatLlama) else WordTokens()
