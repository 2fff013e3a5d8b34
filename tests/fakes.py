"""Fake chat models for deterministic tests of the guard: each subclasses LangChain's
BaseChatModel, so the answer chain runs them exactly as it runs a real backend."""

from __future__ import annotations

import time
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult


class ScriptedChat(BaseChatModel):
    """Answers every prompt with the same text, and remembers the prompts it saw."""

    reply: str = ""
    delay_s: float = 0.0
    error: str = ""
    prompts: list[list[BaseMessage]] = []

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
        if self.delay_s:
            time.sleep(self.delay_s)
        if self.error:
            raise RuntimeError(self.error)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=self.reply))])


def scripted(reply: str = "", **kwargs: Any) -> ScriptedChat:
    return ScriptedChat(reply=reply, prompts=[], **kwargs)
