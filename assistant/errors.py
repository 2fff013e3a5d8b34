"""Every error the assistant reports, in one hierarchy (rooted in ``ingest.errors``).

    AssistantError
    ├── SetupError              -> CLI exit 1; HTTP 503 (+ Retry-After where it may pass)
    │   ├── IndexMissingError       nothing ingested yet
    │   ├── IndexMismatchError      index built with another embedding model
    │   ├── StoreUnavailableError   Chroma unreachable
    │   ├── DataFolderError         data folder not writable
    │   └── LLMUnavailableError     the configured LLM cannot be loaded or reached
    ├── CorpusFileError         one corpus file refused (ingest reports it and goes on)
    ├── QuestionError           -> CLI exit 2; HTTP 422 (too long, not text)
    │   └── EmptyQuestionError      -> HTTP 400, as OpenAI answers an empty message
    ├── FeedbackError           -> HTTP 400 (a rating other than +1/-1, a comment too long)
    │   └── UnknownAnswerError      -> HTTP 404: no answer with that id in this server run or the store
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
    "EmptyQuestionError",
    "FeedbackError",
    "IndexMismatchError",
    "IndexMissingError",
    "LLMUnavailableError",
    "QueueTimeout",
    "QuestionError",
    "SetupError",
    "StoreUnavailableError",
    "UnknownAnswerError",
]


class IndexMissingError(SetupError):
    """There is nothing to retrieve from: run `assistant ingest`."""


class LLMUnavailableError(SetupError):
    """The configured LLM cannot be used (missing file, bad settings, server unreachable)."""


class QuestionError(AssistantError, ValueError):
    """The question cannot be answered as asked (empty, too long, not text)."""


class EmptyQuestionError(QuestionError):
    """The question has nothing to read in it: empty, whitespace or invisible characters only."""


class FeedbackError(AssistantError, ValueError):
    """A rating that cannot be stored as given (not +1 or -1, a comment too long or not text)."""


class UnknownAnswerError(FeedbackError, LookupError):
    """A rating of an answer the feedback service does not know."""


class CapacityError(AssistantError):
    """The model is busy: the request may succeed later."""


class Busy(CapacityError):
    """The line for the model is full."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"the assistant is busy answering other questions; retry in {retry_after_s} s")
        self.retry_after_s = retry_after_s


class QueueTimeout(CapacityError):
    """Waited too long for the model."""
