"""POST /v1/chat/completions, GET /v1/models and /v1/models/{id}: OpenAI-compatible, so
existing OpenAI clients and chat front-ends can talk to the assistant. The answer keeps
its [n] markers; the citations come in an extra `citations` field.

What OpenAI's conventions mean here:

* `usage` counts tokens with the answering LLM's own tokenizer when it runs in-process
  (embedded, gguf), else with assistant.tokens.WordTokens (extractive and openai
  backends). prompt_tokens are the tokens of the text of every message the client sent
  (system messages too, without a chat template's role tokens); completion_tokens those
  of the answer text exactly as the client receives it, markers included, after any cut.
  The server's own prompt to its LLM (instructions, retrieved passages) is not counted:
  the client neither sent nor receives it. A stream sends `usage` in one last chunk,
  with empty choices, when asked with stream_options {"include_usage": true}.
* max_tokens (or max_completion_tokens) cuts the answer text after that many tokens,
  with finish_reason "length"; stop cuts it before the first stop sequence. Either way
  the model stops writing at once, and only the citations whose markers are left in the
  text are sent.
* Other parameters: see assistant.server.openai_params (accepted where they change
  nothing, a 400 naming them otherwise); an unknown model is a 404, model_not_found.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from assistant.answer import Answer, AnswerEvent, Citation
from assistant.server.completion_text import CompletionText
from assistant.server.deps import Service, require_api_key, require_json
from assistant.server.disconnect import run_cancellable
from assistant.server.errors import OPENAI_ERROR_RESPONSES, OpenAIError
from assistant.server.openai_params import check_parameters
from assistant.server.schemas import (
    ChatChoice,
    ChatChoiceMessage,
    ChatCompletion,
    ChatCompletionRequest,
    ChatUsage,
    ModelCard,
    ModelList,
)
from assistant.server.sse import SSE_EVENT_SCHEMA, event_stream, sse
from assistant.tokens import token_counter

router = APIRouter(prefix="/v1", tags=["openai"], dependencies=[Depends(require_api_key)])
MODEL = "career-assistant"
# `created` of the model: when this server process loaded its API. The model is the index
# and the LLM as this process loaded them; a restart (after re-ingesting, say) is a new one.
STARTED = int(time.time())
_MAX_SHOWN = 64


def _model_card() -> ModelCard:
    return ModelCard(id=MODEL, created=STARTED)


def _check_model(model: str) -> None:
    if model != MODEL:
        shown = model.encode("utf-8", "backslashreplace").decode("utf-8")  # from the request: may hold a lone surrogate
        shown = shown if len(shown) <= _MAX_SHOWN else shown[:_MAX_SHOWN] + "..."
        message = f"the model `{shown}` does not exist: this server offers `{MODEL}`"
        raise OpenAIError(404, message, "model", "model_not_found")


@router.get("/models", response_model=ModelList, responses=OPENAI_ERROR_RESPONSES)
def models() -> ModelList:
    """The one model this server offers."""
    return ModelList(data=[_model_card()])


@router.get("/models/{model_id:path}", response_model=ModelCard, responses=OPENAI_ERROR_RESPONSES)
def model(model_id: str) -> ModelCard:
    """The model, if it is `career-assistant` (404 model_not_found otherwise)."""
    _check_model(model_id)
    return _model_card()


def _kept_citations(answer: Answer, text: CompletionText) -> list[Citation]:
    if not text.done:
        return answer.citations
    return [c for c in answer.citations if f"[{c.id}]" in text.sent]


@router.post(
    "/chat/completions",
    response_model=ChatCompletion,
    responses={
        **OPENAI_ERROR_RESPONSES,
        200: {
            "description": "A chat.completion, or with stream=true Server-Sent Events of chat.completion.chunk "
            "objects, the one with finish_reason carrying `citations`, with include_usage one more with "
            "`usage`, then `data: [DONE]`.",
            "content": {"text/event-stream": {"itemSchema": SSE_EVENT_SCHEMA}},
        },
    },
    dependencies=[Depends(require_json)],
)
async def chat_completions(
    body: ChatCompletionRequest, service: Service, request: Request
) -> ChatCompletion | StreamingResponse:
    """Chat completions in OpenAI's shape (stream and non-stream), model `career-assistant`."""
    _check_model(body.model)
    check_parameters(body)
    question, history = body.question_and_history()
    counter = token_counter(service.llm)
    prompt_tokens = sum(counter.count(message.text) for message in body.messages)
    text = CompletionText(counter, body.token_limit, body.stop_sequences)
    completion_id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
    created = int(time.time())

    def events(cancel: threading.Event) -> Iterator[AnswerEvent]:
        for event in service.stream(question, history, cancel=cancel):
            yield event
            # Read after the event was taken in (text.add): a cut answer needs no more of
            # the model, and the service completes at once with the citations.
            if text.done:
                cancel.set()

    def usage() -> ChatUsage:
        return ChatUsage.of(prompt_tokens, counter.count(text.sent))

    if not body.stream:

        def answer(cancel: threading.Event) -> Answer:
            for event in events(cancel):
                if event.event == "token":
                    text.add(event.text)
                elif event.answer is not None:
                    text.end()
                    return event.answer
            raise RuntimeError("the answer stream ended without an answer")  # pragma: no cover

        done = await run_cancellable(request, answer)
        return ChatCompletion(
            id=completion_id,
            created=created,
            model=MODEL,
            choices=[ChatChoice(message=ChatChoiceMessage(content=text.sent), finish_reason=text.finish_reason)],
            usage=usage(),
            citations=_kept_citations(done, text),
            abstained=done.abstained,
        )

    # OpenAI's chunks carry `usage: null` when usage was asked for, and the last one has it.
    usage_field = {"usage": None} if body.include_usage else {}

    def chunk(choices: list[dict], **extra) -> bytes:
        payload = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": MODEL}
        return sse(None, {**payload, "choices": choices, **usage_field, **extra})

    first = True

    def delta(content: str | None, finish: str | None = None, **extra) -> bytes:
        nonlocal first
        piece: dict = {} if content is None else {"content": content}
        if first:
            piece = {"role": "assistant", **piece}
            first = False
        return chunk([{"index": 0, "delta": piece, "finish_reason": finish}], **extra)

    def encode(event: AnswerEvent) -> Iterator[bytes]:
        if event.event == "token":
            if piece := text.add(event.text):
                yield delta(piece)
        elif event.event == "done" and event.answer is not None:
            if rest := text.end():
                yield delta(rest)
            citations = [c.model_dump() for c in _kept_citations(event.answer, text)]
            yield delta(None, text.finish_reason, citations=citations, abstained=event.answer.abstained)
            if body.include_usage:
                yield chunk([], usage=usage().model_dump())
            yield sse(None, "[DONE]")

    def error(exc: Exception) -> bytes:
        message = f"the answer failed: {type(exc).__name__}"
        return sse(None, {"error": {"type": "internal", "message": message, "param": None, "code": None}})

    return await event_stream(request, events, encode, error)
