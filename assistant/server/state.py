"""The loaded assistant, built once per process in the lifespan, in a background thread,
and kept true to the index while it serves.

Loading takes seconds (index, embedding model, LLM); meanwhile /healthz answers and
/readyz says why the assistant is not ready yet. Afterwards a watcher thread polls the
store's index version every ``index_check_s`` seconds: an ingest (from this host or any
other replica's) moves it, and the watcher builds a fresh service over the new index off
the request path and swaps it in with one assignment. Requests hold the service they
started with, so none is dropped or sees half of each index. A server started before the
first ingest (or while the store was down) keeps retrying its load the same way.

When the store answers but holds no index to follow (no collection: a Chroma server
restarted on an empty folder, or a reset; or a collection with no version yet: an ingest
filling it), the server keeps answering from the snapshot it holds and says why in
``problem``, which /readyz reports as degraded, until an ingest writes a version again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from assistant.errors import IndexMissingError, SetupError, StoreUnavailableError
from assistant.feedback import FeedbackService, remembering
from assistant.server.key_attempts import KeyAttempts
from assistant.service import AnswerService
from assistant.settings import Settings
from ingest.store import forget_embedded_store

__all__ = ["AssistantState", "answering_from"]

log = logging.getLogger("assistant.server")

_NO_INDEX = "no index: run `assistant ingest` (or `make run`) first"


def answering_from(service: AnswerService) -> str:
    """What a replica that cannot follow the store still does, for the end of a problem."""
    return f"answering from the index loaded before (version {service.index_version or 'unversioned'})"


class AssistantState:
    def __init__(self, settings: Settings, factory: Callable[[Settings], AnswerService]) -> None:
        self.settings = settings
        self.factory = factory
        # Wrong keys per client address, shared by the API's key check and the UI's login.
        self.key_attempts = KeyAttempts(settings.login_failures_per_minute)
        # Readers' ratings: one store for the process, so an answer from the index before a
        # swap can still be rated; it hears every answer of every service loaded (_load).
        self.feedback = FeedbackService.from_settings(settings)
        self.service: AnswerService | None = None
        self.reason = "starting: loading the index and the models"
        # A load that failed for a reason that mends itself (no index yet, the store down) is retried.
        self._retry_load = False
        # Why the service answers from an index the store no longer holds ("" when it is the
        # store's own): /readyz reports it as degraded.
        self.problem = ""
        self._logged = ""  # the last problem logged: each is logged once, not every check
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loaded = threading.Event()  # the first load ended, ready or not
        self.changed = threading.Event()  # set whenever `service` or `problem` changes (tests wait on it)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="assistant-load", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.feedback.close()

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
            service = self.factory(self.settings)
            # Every answer, whichever way it is asked (API, chat completions, UI), passes here;
            # a swapped-in index's service shares it (AnswerService.reindexed).
            service.observer = remembering(self.feedback, service.observer)
            self.service = service
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
        """Swap in a service over the stored index when its version moved; when the store
        holds no version to move to, keep the snapshot and say why."""
        try:
            stored = service.stored_index_version()
        except StoreUnavailableError as error:
            # /readyz pings the store itself and says so while it lasts; the verdict on the
            # index stands until the store answers again.
            self._log_once(f"cannot check the index version: {error}; still {answering_from(service)}")
            return
        except Exception as error:
            self._report(service, f"checking the index version failed: {type(error).__name__}: {error}")
            return
        if stored == service.index_version:
            self._report(service, "")
            return
        if stored is None:
            self._report(
                service,
                f"the store at {service.store_location} holds no collection '{service.collection_name}' "
                "(its data was lost or reset; `assistant ingest` rebuilds it)",
            )
            return
        if not stored:
            self._report(
                service,
                f"the collection '{service.collection_name}' at {service.store_location} holds no index "
                "version yet (an ingest is filling it, or one stopped half-way)",
            )
            return
        try:
            fresh = service.reindexed()
        except IndexMissingError:  # every article was removed: nothing left to answer from
            self.service, self.reason, self._retry_load = None, _NO_INDEX, True
            self.problem = self._logged = ""
            self.changed.set()
            log.error("assistant not ready: the index is empty now; %s", _NO_INDEX)
            return
        except StoreUnavailableError as error:  # went away between the two reads: as above
            self._log_once(f"could not load index version {stored}: {error}; still {answering_from(service)}")
            return
        except Exception as error:  # a bad index (another embedding model ...): /readyz says which
            self._report(service, f"could not load index version {stored}: {type(error).__name__}: {error}")
            return
        self.problem = self._logged = ""  # first, so the new service is never shown with the old problem
        self.service = fresh
        log.info(
            "index version %s -> %s: now serving %d chunks",
            service.index_version or "unversioned",
            fresh.index_version,
            fresh.chunk_count,
        )
        self.changed.set()

    def _report(self, service: AnswerService, problem: str) -> None:
        """Publish why the served index is not the store's ("" once it is again)."""
        if problem:
            problem = f"{problem}: {answering_from(service)}"
            self._log_once(problem)
        elif self._logged:  # a problem, or the store's outage, is over
            log.info("the store holds index version %s again", service.index_version or "unversioned")
            self._logged = ""
        if problem != self.problem:
            self.problem = problem
            self.changed.set()

    def _log_once(self, problem: str) -> None:
        if problem != self._logged:  # once per problem, not every few seconds
            log.warning("%s", problem)
        self._logged = problem
