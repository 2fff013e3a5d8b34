"""Fakes for fast, deterministic tests of logic. Each subclasses the real LangChain
interface (BaseChatModel, Embeddings), so the code under test runs them exactly as it runs
the real models."""

from __future__ import annotations

import hashlib
import math
import re
import threading
from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, Field

from assistant.terms import terms


class ScriptedChat(BaseChatModel):
    """Answers every prompt with the same text, and remembers the prompts it saw.

    With ``gated=True`` each call first sets ``started`` and then waits for ``release``:
    a test knows the model is busy (no sleeps) and decides when it finishes. Streamed, a
    gated model sends empty tokens while it waits, as a real model sends tokens while it
    works, so a consumer that stops reading is seen at the next token.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    reply: str = ""
    error: str = ""
    gated: bool = False
    prompts: list[list[BaseMessage]] = []
    started: threading.Event = Field(default_factory=threading.Event)
    release: threading.Event = Field(default_factory=threading.Event)

    @property
    def _llm_type(self) -> str:
        return "scripted-fake"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self.prompts.append(list(messages))
        if self.gated:
            self.started.set()
            if not self.release.wait(timeout=120):  # a safety net for a broken test, not a timing
                raise RuntimeError("the test never released the gated fake model")
        if self.error:
            raise RuntimeError(self.error)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=self.reply))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        if self.gated:
            self.started.set()
            # A space a token's time (LangChain drops empty chunks): the consumer may stop here.
            while not self.release.wait(0.01):
                yield ChatGenerationChunk(message=AIMessageChunk(content=" "))
        reply = self._generate(messages, stop, run_manager, **kwargs).generations[0].message.content
        for piece in re.findall(r"\S+\s*", str(reply)) or [""]:
            yield ChatGenerationChunk(message=AIMessageChunk(content=piece))


def scripted(reply: str = "", **kwargs: Any) -> ScriptedChat:
    return ScriptedChat(reply=reply, prompts=[], **kwargs)


class HashingEmbeddings(Embeddings):
    """Deterministic bag-of-terms vectors (feature hashing, normalised): texts that share
    content words are close, texts that share none are orthogonal. Enough for tests of
    logic that need retrieval to behave sensibly, without loading the real model."""

    identity = "tests/hashing-embeddings"

    def __init__(self, dimension: int = 4096) -> None:
        self.dimension = dimension
        self.on_batch = None  # the ingest pipeline reports progress through this hook

    def _vector(self, text: str) -> list[float]:
        vector = [0.0] * self.dimension
        for term in terms(text):
            digest = hashlib.sha256(term.encode()).digest()
            vector[int.from_bytes(digest[:4], "big") % self.dimension] += 1.0 if digest[4] % 2 else -1.0
        norm = math.sqrt(sum(x * x for x in vector))
        return [x / norm for x in vector] if norm else vector

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vectors = [self._vector(t) for t in texts]
        if self.on_batch is not None:
            self.on_batch(len(texts))
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)
