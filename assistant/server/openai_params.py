"""Which of OpenAI's chat-completion parameters this server honours, accepts or refuses.

Honoured: model (`career-assistant` only, 404 otherwise), messages, stream,
stream_options.include_usage, max_tokens / max_completion_tokens, stop, n=1.

Accepted without effect: temperature (0-2) and top_p (0-1) - the answer is the
article's own sentences and the LLM's, written at temperature 0 and checked by the
guard, so sampling settings do not change it; seed - answers are the same for any seed;
user, metadata, safety_identifier, prompt_cache_key - identifiers, not kept.

Accepted at the value that asks for what the server does anyway (null, or OpenAI's
default): logprobs false, frequency_penalty / presence_penalty 0, store false,
response_format {"type": "text"}, modalities ["text"], tools [], tool_choice "none" or
"auto", parallel_tool_calls, logit_bias {}, service_tier "auto" / "default",
stream_options.include_obfuscation false.

Refused with a 400 that names the parameter (OpenAI's `param`): any other value of
those, any value out of range, and every other parameter.
"""

from __future__ import annotations

from typing import Any

from assistant.server.echo import echoed
from assistant.server.errors import OpenAIError
from assistant.server.schemas import ChatCompletionRequest

__all__ = ["MAX_STOP_SEQUENCES", "check_parameters"]

MAX_STOP_SEQUENCES = 4  # OpenAI's limit
_IGNORED = {"seed", "user", "metadata", "safety_identifier", "prompt_cache_key"}
_NEUTRAL: dict[str, tuple[Any, ...]] = {
    "logprobs": (False,),
    "frequency_penalty": (0,),
    "presence_penalty": (0,),
    "store": (False,),
    "response_format": ({"type": "text"},),
    "modalities": (["text"],),
    "tools": ([],),
    "tool_choice": ("none", "auto"),
    "parallel_tool_calls": (True, False),
    "logit_bias": ({},),
    "service_tier": ("auto", "default"),
}
_WHY = {
    "tools": "this server answers from its articles and calls no tools",
    "tool_choice": "this server calls no tools",
    "functions": "this server calls no functions",
    "function_call": "this server calls no functions",
    "response_format": "answers are text with [n] citation markers, not JSON",
    "logprobs": "the answer is assembled from checked sentences, which have no token probabilities",
    "top_logprobs": "the answer is assembled from checked sentences, which have no token probabilities",
    "logit_bias": "the answer is assembled from checked sentences, so token biases cannot apply",
    "modalities": "answers are text only",
    "audio": "answers are text only",
}
_MAX_NAME = 64


def check_parameters(body: ChatCompletionRequest) -> None:
    """Raise OpenAIError (400, naming the parameter) for anything this server would not honour."""
    if body.n not in (None, 1):
        # A client asking for n choices and silently getting one would think it got them all.
        message = f"n={body.n} is not supported: this server returns one choice; leave `n` out or send 1"
        raise OpenAIError(400, message, "n", "unsupported_value")
    _in_range(body.temperature, "temperature", 0, 2)
    _in_range(body.top_p, "top_p", 0, 1)
    for name in ("max_tokens", "max_completion_tokens"):
        value = getattr(body, name)
        if value is not None and value < 1:
            raise OpenAIError(400, f"`{name}` must be at least 1, not {value}", name, "invalid_value")
    stops = body.stop_sequences
    if len(stops) > MAX_STOP_SEQUENCES or any(not s for s in stops):
        message = f"`stop` takes up to {MAX_STOP_SEQUENCES} sequences, none of them empty"
        raise OpenAIError(400, message, "stop", "invalid_value")
    if body.stream_options is not None:
        if not body.stream:
            raise OpenAIError(400, "`stream_options` is only allowed with `stream: true`", "stream_options", "invalid_value")
        for name, value in (body.stream_options.model_extra or {}).items():
            if not (name == "include_obfuscation" and value in (None, False)):
                _refuse(f"stream_options.{name}", value)
    for name, value in (body.model_extra or {}).items():
        if name in _IGNORED or value is None or (name in _NEUTRAL and _is_one_of(value, _NEUTRAL[name])):
            continue
        _refuse(name, value)


def _is_one_of(value: Any, allowed: tuple[Any, ...]) -> bool:
    return any(_same(value, a) for a in allowed)


def _same(value: Any, allowed: Any) -> bool:
    # Strict about booleans, so that 0 does not pass for false; 0.0 passes for 0.
    if isinstance(value, bool) or isinstance(allowed, bool):
        return value is allowed
    if isinstance(allowed, int | float):
        return isinstance(value, int | float) and value == allowed
    return value == allowed


def _in_range(value: float | None, name: str, low: float, high: float) -> None:
    if value is not None and not low <= value <= high:
        raise OpenAIError(400, f"`{name}` must be between {low} and {high}, not {value}", name, "invalid_value")


def _refuse(name: str, value: Any) -> None:
    shown = echoed(name, _MAX_NAME)
    known = name in _NEUTRAL or name in _WHY or name.startswith("stream_options.")
    if known or name in _KNOWN:
        why = _WHY.get(name, "this server cannot honour it")
        allowed = f" (accepted: {', '.join(repr(a) for a in _NEUTRAL[name])})" if name in _NEUTRAL else ""
        raise OpenAIError(400, f"`{shown}` is not supported: {why}{allowed}; leave it out", shown, "unsupported_parameter")
    raise OpenAIError(400, f"unrecognized request argument `{shown}`: leave it out", shown, "unknown_parameter")




# OpenAI's other chat-completion parameters: a 400 says "not supported" rather than "unrecognized".
_KNOWN = {
    "audio", "functions", "function_call", "prediction", "reasoning_effort", "top_logprobs",
    "verbosity", "web_search_options",
}
