"""The loaded assistant, built once per process in the lifespan, in a background thread.

Loading takes seconds (index, embedding model, LLM); meanwhile /healthz answers and
/readyz says why the assistant is not ready yet.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from assistant.errors import IndexMissingError, SetupError
from assistant.service import AnswerService
from assistant.settings import Settings

__all__ = ["AssistantState"]

log = logging.getLogger("assistant.server")


class AssistantState:
    def __init__(self, settings: Settings, factory: Callable[[Settings], AnswerService]) -> None:
        self.settings = settings
        self.factory = factory
        self.service: AnswerService | None = None
        self.reason = "starting: loading the index and the models"
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._load, name="assistant-load", daemon=True)
        self._thread.start()

    def wait(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _load(self) -> None:
        try:
            self.service = self.factory(self.settings)
            self.reason = ""
            log.info("assistant ready: backend %s, %d chunks", self.service.backend, self.service.chunk_count)
        except IndexMissingError:
            self.reason = "no index: run `assistant ingest` (or `make run`) first"
        except SetupError as error:
            self.reason = str(error)
        except Exception as error:  # the server stays up and says why it is not ready
            log.exception("loading the assistant failed")
            self.reason = f"loading the assistant failed: {type(error).__name__}: {error}"
        if self.reason:
            log.error("assistant not ready: %s", self.reason)
