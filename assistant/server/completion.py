"""One chat completion: the service's answer events in OpenAI's shapes, whole or streamed.

The route (routers/chat.py) checks the request and picks the shape; this holds what both
shapes share (the question, the token counter, the text as cut by max_tokens and stop,
the ids) and writes each: `whole` a ChatCompletion, `chunks` the SSE bytes of
chat.completion.chunk objects. See routers/chat.py for what OpenAI's conventions mean here.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

from assistant.answer import Answer, AnswerEvent, Citation
from assistant.server.completion_text import CompletionText
from assistant.server.schemas import ChatChoice, ChatChoiceMessage, ChatCompletion, ChatCompletionRequest, ChatUsage
from assistant.server.sse import sse
from assistant.service import AnswerService
from assistant.tokens import token_counter

__all__ = ["Completion"]


class Completion:
    def __init__(self, service: AnswerService, body: ChatCompletionRequest, model: str) -> None:
        self.service = service
        self.model = model
        self.question, self.history = body.question_and_history()
        self.counter = token_counter(service.llm)
        self.prompt_tokens = sum(self.counter.count(message.text) for message in body.messages)
        self.text = CompletionText(self.counter, body.token_limit, body.stop_sequences)
        # The answer's own id, chosen ahead because every streamed chunk carries it: a client
        # rates the answer (POST /v1/feedback) with the completion's id.
        self.answer_id = uuid.uuid4().hex
        self.id = f"chatcmpl-{self.answer_id}"
        self.created = int(time.time())
        self.include_usage = body.include_usage
        self._first_delta = True

    def events(self, cancel: threading.Event) -> Iterator[AnswerEvent]:
        for event in self.service.stream(self.question, self.history, cancel=cancel, answer_id=self.answer_id):
            yield event
            # Read after the event was taken in (text.add): a cut answer needs no more of
            # the model, and the service completes at once with the citations.
            if self.text.done:
                cancel.set()

    def usage(self) -> ChatUsage:
        return ChatUsage.of(self.prompt_tokens, self.counter.count(self.text.sent))

    def kept_citations(self, answer: Answer) -> list[Citation]:
        """The citations whose markers the client receives (all, unless the text was cut)."""
        if not self.text.done:
            return answer.citations
        return [c for c in answer.citations if f"[{c.id}]" in self.text.sent]

    # -- whole ---------------------------------------------------------------------------------
    def whole(self, cancel: threading.Event) -> ChatCompletion:
        for event in self.events(cancel):
            if event.event == "token":
                self.text.add(event.text)
            elif event.answer is not None:
                self.text.end()
                return ChatCompletion(
                    id=self.id,
                    created=self.created,
                    model=self.model,
                    choices=[
                        ChatChoice(
                            message=ChatChoiceMessage(content=self.text.sent), finish_reason=self.text.finish_reason
                        )
                    ],
                    usage=self.usage(),
                    citations=self.kept_citations(event.answer),
                    abstained=event.answer.abstained,
                )
        raise RuntimeError("the answer stream ended without an answer")  # pragma: no cover

    # -- streamed ------------------------------------------------------------------------------
    def chunks(self, event: AnswerEvent) -> Iterator[bytes]:
        """The SSE bytes one answer event becomes."""
        if event.event == "token":
            if piece := self.text.add(event.text):
                yield self._delta(piece)
        elif event.event == "done" and event.answer is not None:
            if rest := self.text.end():
                yield self._delta(rest)
            citations = [c.model_dump() for c in self.kept_citations(event.answer)]
            yield self._delta(None, self.text.finish_reason, citations=citations, abstained=event.answer.abstained)
            if self.include_usage:
                yield self._chunk([], usage=self.usage().model_dump())
            yield sse(None, "[DONE]")

    def error_chunk(self, exc: Exception) -> bytes:
        message = f"the answer failed: {type(exc).__name__}"
        return sse(None, {"error": {"type": "internal", "message": message, "param": None, "code": None}})

    def _chunk(self, choices: list[dict], **extra) -> bytes:
        payload = {"id": self.id, "object": "chat.completion.chunk", "created": self.created, "model": self.model}
        # OpenAI's chunks carry `usage: null` when usage was asked for, and the last one has it.
        usage = {"usage": None} if self.include_usage else {}
        return sse(None, {**payload, "choices": choices, **usage, **extra})

    def _delta(self, content: str | None, finish: str | None = None, **extra) -> bytes:
        piece: dict = {} if content is None else {"content": content}
        if self._first_delta:  # the first delta names the role
            piece = {"role": "assistant", **piece}
            self._first_delta = False
        return self._chunk([{"index": 0, "delta": piece, "finish_reason": finish}], **extra)
