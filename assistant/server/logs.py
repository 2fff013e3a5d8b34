"""How `assistant serve` logs: text for a terminal, or one JSON object per line for a collector.

ASSISTANT_LOG_FORMAT=json writes every record (ours, uvicorn's, Python's warnings) as one
JSON object: time, level, logger, message, and where a request is being served its
request_id; the request line adds method, route, path, status and ms. The formatter is a
dozen lines over the stdlib json module rather than python-json-logger: the fields are
fixed, and json.dumps escapes whatever a client sent by construction (a newline in a path
or a question can never start a second line).

The request context travels in a ContextVar set by the request log middleware: Starlette
runs the answer in worker threads with a copy of the context, so log records written there
carry the request id too, and the answer path can note the question for the request line
(logged only with ASSISTANT_LOG_QUESTIONS=true).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from assistant.answer import Answer
from assistant.service import AnswerObserver
from assistant.settings import Settings

__all__ = ["JsonFormatter", "QuestionNoting", "request_context", "setup_logging"]

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# The request line's own fields (RequestLogMiddleware passes them as `extra`), in this order.
REQUEST_FIELDS = ("request_id", "method", "route", "path", "status", "ms", "question")

# The request being served: a dict per request, shared (not copied) with the worker threads.
request_context: ContextVar[dict[str, Any] | None] = ContextVar("assistant_request", default=None)


class RequestIdFilter(logging.Filter):
    """Puts the request id on every record written while a request is served."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = request_context.get()
        if context is not None and not hasattr(record, "request_id"):
            record.request_id = context["request_id"]
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in REQUEST_FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def setup_logging(settings: Settings) -> None:
    """Root logging for the server process: one handler on stderr, in the format chosen.

    Uvicorn is then run with log_config=None, so its records come here too."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)  # a library's warning is a record too, not a stray stderr line


class QuestionNoting:
    """An AnswerObserver that notes each answer's question for its request's log line,
    then passes the news on (to the metrics)."""

    def __init__(self, inner: AnswerObserver) -> None:
        self.inner = inner

    def answered(self, answer: Answer, verdicts: Mapping[str, int], model_asked: bool) -> None:
        context = request_context.get()
        if context is not None:
            context["question"] = answer.question
        self.inner.answered(answer, verdicts, model_asked)

    def refused_busy(self) -> None:
        self.inner.refused_busy()

    def model_tokens(self, prompt: int, completion: int) -> None:
        self.inner.model_tokens(prompt, completion)
