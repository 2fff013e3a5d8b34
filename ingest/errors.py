"""The project's one exception hierarchy, rooted here because ingest is its lowest layer.

    AssistantError                 anything the assistant reports to a person
    ├── SetupError                 it cannot run as configured; the message says what to do
    │   ├── IndexMismatchError     the index was built with another embedding model
    │   ├── StoreUnavailableError  the Chroma server cannot be reached
    │   └── DataFolderError        the data folder cannot be written (read-only, full)
    └── CorpusFileError            one corpus file cannot be ingested (the others are)

The answer side adds its own branches in ``assistant.errors``, which re-exports these, so
callers (the CLI, the HTTP API, the UI) import every error from one place and map each
branch once.
"""

from __future__ import annotations

__all__ = [
    "AssistantError",
    "CorpusFileError",
    "DataFolderError",
    "IndexMismatchError",
    "SetupError",
    "StoreUnavailableError",
]


class AssistantError(Exception):
    """Base of every error the assistant reports; str() is the message for a person."""


class SetupError(AssistantError):
    """The assistant cannot run as configured (no index, wrong model, store or LLM unreachable)."""


class IndexMismatchError(SetupError):
    """The stored index was built with another embedding model than the one configured."""


class StoreUnavailableError(SetupError):
    """The Chroma store (a server, or the embedded one) cannot be reached or opened."""


class DataFolderError(SetupError):
    """The data folder cannot be written: read-only, immutable or full."""


class CorpusFileError(AssistantError):
    """A corpus file that cannot be ingested; str() names the file and says why."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason
