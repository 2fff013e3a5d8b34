"""Gradio's own error printing, sent to the server's log instead of stderr.

When an event fails, Gradio 6 calls traceback.print_exc() (gradio/queueing.py, three places;
gradio/routes.py, its /run/predict route): the stack goes straight to stderr, outside the
server's log format (with ASSISTANT_LOG_FORMAT=json, dozens of lines that are not JSON) and
with the exception's message, which quotes the request: a pydantic ValidationError or Gradio's
own check of the inputs prints the user's text.

Gradio has no hook or setting for this (gr.Error's print_exception covers only an error raised
on purpose), so the `traceback` name those two modules use is pointed at a stand-in whose
print_exc writes one record to the `ui.gradio` logger: the stack without any message, as the
API logs its unexpected errors (assistant.server.errors). Everything else of the traceback
module is the real one. Our own handlers catch their failures before Gradio sees them
(ui/app.py `_failsafe`) and the queue's malformed requests are refused in front of Gradio
(ui/queue_guard.py), so this is the last line, for what nobody foresaw.
"""

from __future__ import annotations

import logging
import sys
import traceback
from types import ModuleType
from typing import Any

from assistant.server.errors import stack_without_messages

__all__ = ["log_gradio_tracebacks"]

log = logging.getLogger("ui.gradio")


class _LoggedTraceback(ModuleType):
    """The traceback module as gradio.queueing and gradio.routes see it."""

    def __init__(self) -> None:
        super().__init__("traceback", "traceback, with print_exc writing to the server's log")

    def __getattr__(self, name: str) -> Any:
        return getattr(traceback, name)

    @staticmethod
    def print_exc(limit: int | None = None, file: Any = None, chain: bool = True) -> None:
        error = sys.exc_info()[1]
        if error is not None:
            log.error("the web UI failed on a request (%s)\n%s", type(error).__name__, stack_without_messages(error))


_STAND_IN = _LoggedTraceback()


def log_gradio_tracebacks() -> None:
    """Point Gradio's traceback printing at the server's log (idempotent)."""
    import gradio.queueing
    import gradio.routes

    for module in (gradio.queueing, gradio.routes):
        module.traceback = _STAND_IN  # type: ignore[attr-defined]
