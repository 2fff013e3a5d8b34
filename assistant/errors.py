"""Every error the assistant reports, in one hierarchy (rooted in ``ingest.errors``).

    AssistantError
    ├── SetupError              -> CLI exit 1; HTTP 503 (+ Retry-After where it may pass)
    │   ├── IndexMissingError       nothing ingested yet
    │   ├── IndexMismatchError      index built with another embedding model
    │   ├── StoreUnavailableError   Chroma unreachable
    │   ├── DataFolderError         data folder not writable
    │   └── LLMUnavailableError     the configured LLM cannot be loaded or reached
    ├── CorpusFileError         one corpus file refused (ingest reports it and goes on)
    ├── QuestionError           -> CLI exit 2; HTTP 422 (empty, too long, not text)
    └── CapacityError
        ├── Busy                -> HTTP 503 with Retry-After: the line for the model is full
        └── QueueTimeout        -> HTTP 504: waited too long for the model

The CLI (``launch.cli``) and the HTTP API (``assistant.server.errors``) each map these
branches once.
"""

from __future__ import annotations

from ingest.errors import (
    AssistantError,
    CorpusFileError,
    DataFolderError,
    IndexMismatchError,
    SetupError,
    StoreUnavailableError,
)

__all__ = [
    "AssistantError",
    "Busy",
    "CapacityError",
    "CorpusFileError",
    "DataFolderError",
    "IndexMismatchError",
    "IndexMissingError",
    "LLMUnavailableError",
    "QueueTimeout",
    "QuestionError",
    "SetupError",
    "StoreUnavailableError",
]


class IndexMissingError(SetupError):
    """There is nothing to retrieve from: run `assistant ingest`."""


class LLMUnavailableError(SetupError):
    """The configured LLM cannot be used (missing file, bad settings, server unreachable)."""


class QuestionError(AssistantError, ValueError):
    """The question cannot be answered as asked (empty, too long, not text)."""


class CapacityError(AssistantError):
    """The model is busy: the request may succeed later."""


class Busy(CapacityError):
    """The line for the model is full."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"the assistant is busy answering other questions; retry in {retry_after_s} s")
        self.retry_after_s = retry_after_s


class QueueTimeout(CapacityError):
    """Waited too long for the model."""
