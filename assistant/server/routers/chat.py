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

import time

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from assistant.server.completion import Completion
from assistant.server.deps import Service, require_api_key, require_json
from assistant.server.disconnect import run_cancellable
from assistant.server.echo import echoed
from assistant.server.errors import OPENAI_ERROR_RESPONSES, OpenAIError
from assistant.server.openai_params import check_parameters
from assistant.server.schemas import ChatCompletion, ChatCompletionRequest, ModelCard, ModelList
from assistant.server.sse import SSE_EVENT_SCHEMA, event_stream

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
        shown = echoed(model, _MAX_SHOWN)
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
    completion = Completion(service, body, MODEL)
    if body.stream:
        return await event_stream(request, completion.events, completion.chunks, completion.error_chunk)
    return await run_cancellable(request, completion.whole)
