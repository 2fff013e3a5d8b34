"""The loaded assistant, built once per process in the lifespan, in a background thread,
and kept true to the index while it serves.

Loading takes seconds (index, embedding model, LLM); meanwhile /healthz answers and
/readyz says why the assistant is not ready yet. Afterwards a watcher thread polls the
store's index version every ``index_check_s`` seconds: an ingest (from this host or any
other replica's) moves it, and the watcher builds a fresh service over the new index off
the request path and swaps it in with one assignment. Requests hold the service they
started with, so none is dropped or sees half of each index. A server started before the
first ingest (or while the store was down) keeps retrying its load the same way.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from assistant.errors import IndexMissingError, SetupError, StoreUnavailableError
from assistant.service import AnswerService
from assistant.settings import Settings
from ingest.store import forget_embedded_store

__all__ = ["AssistantState"]

log = logging.getLogger("assistant.server")

_NO_INDEX = "no index: run `assistant ingest` (or `make run`) first"


class AssistantState:
    def __init__(self, settings: Settings, factory: Callable[[Settings], AnswerService]) -> None:
        self.settings = settings
        self.factory = factory
        self.service: AnswerService | None = None
        self.reason = "starting: loading the index and the models"
        # A load that failed for a reason that mends itself (no index yet, the store down) is retried.
        self._retry_load = False
        self._problem = ""  # the last failure to load a new index version, logged once
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loaded = threading.Event()  # the first load ended, ready or not
        self.changed = threading.Event()  # set whenever `service` is replaced (tests wait on it)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="assistant-load", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the first load to end (ready or not)."""
        self._loaded.wait(timeout)

    def _run(self) -> None:
        self._load()
        self._loaded.set()
        interval = self.settings.index_check_s
        while interval > 0 and not self._stop.wait(interval):
            if self.service is None:
                if self._retry_load:
                    self._load(retrying=True)
            else:
                self._follow_index(self.service)

    def _load(self, retrying: bool = False) -> None:
        if retrying and not self.settings.chroma_url:
            # This process's cached copy of the embedded store predates the ingest that
            # another process has run (or is running) since.
            forget_embedded_store(self.settings.chroma_dir)
        self._retry_load = False
        try:
            self.service = self.factory(self.settings)
            self.reason = ""
            self.changed.set()
            log.info(
                "assistant ready: backend %s, %d chunks, index version %s",
                self.service.backend,
                self.service.chunk_count,
                self.service.index_version or "unversioned",
            )
            return
        except IndexMissingError:
            reason, self._retry_load = _NO_INDEX, True
        except StoreUnavailableError as error:
            reason, self._retry_load = str(error), True
        except SetupError as error:
            reason = str(error)
        except Exception as error:  # the server stays up and says why it is not ready
            reason = f"loading the assistant failed: {type(error).__name__}: {error}"
            if reason != self.reason:
                log.exception("loading the assistant failed")
            # Waiting for a first index, this is most likely an ingest caught half-way: try again.
            self._retry_load = retrying
        if reason != self.reason:  # a retry that fails the same way says nothing new
            log.error("assistant not ready: %s", reason)
        self.reason = reason

    def _follow_index(self, service: AnswerService) -> None:
        """Swap in a service over the stored index when its version moved."""
        try:
            stored = service.stored_index_version()
            # "" while an ingest --reset rebuilds: keep answering from the old snapshot till it is done.
            if not stored or stored == service.index_version:
                self._problem = ""
                return
            fresh = service.reindexed()
        except IndexMissingError:  # every article was removed: nothing left to answer from
            self.service, self.reason, self._retry_load = None, _NO_INDEX, True
            self.changed.set()
            log.error("assistant not ready: the index is empty now; %s", _NO_INDEX)
            return
        except Exception as error:  # the store went away, or a bad index: /readyz says which
            problem = f"could not load index version {stored}: {type(error).__name__}: {error}"
            if problem != self._problem:  # once per problem, not every few seconds
                log.warning("%s; still serving %s", problem, service.index_version or "unversioned")
            self._problem = problem
            return
        self.service, self._problem = fresh, ""
        log.info(
            "index version %s -> %s: now serving %d chunks",
            service.index_version or "unversioned",
            fresh.index_version,
            fresh.chunk_count,
        )
        self.changed.set()
