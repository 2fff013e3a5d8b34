"""The server's state following the index: a load retried until an ingest has run, a swap to
each new index version while a request in flight finishes on the snapshot it started with, and
a store that lost its index (or cannot be read for a while) said once while the snapshot answers on.
In process, over a real Chroma store with the fake embeddings; the watcher is synchronised
on the state's `changed` event and the gated fake model's events, never on time."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.composition import build_ingestor, build_retriever, build_store
from assistant.errors import StoreUnavailableError
from assistant.server.state import AssistantState
from assistant.service import AnswerService
from assistant.settings import Settings
from tests.conftest import FAKE_ABSTAIN_BELOW
from tests.fakes import HashingEmbeddings, scripted

pytestmark = pytest.mark.integration
QUESTION = "Do staff engineers only write code?"


def ingest(settings: Settings, reset: bool = False) -> str:
    report = build_ingestor(settings, build_store(settings, HashingEmbeddings())).run(reset=reset)
    assert not report.failed
    return report.index_version


class PolledService(AnswerService):
    """The real service, telling the test each time the watcher read the stored version, and
    finding the store unreachable while ``outage`` is set."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.polled = threading.Event()  # both shared with the copies `reindexed` makes
        self.outage = threading.Event()

    def stored_index_version(self) -> str | None:
        try:
            if self.outage.is_set():
                raise StoreUnavailableError("the vector store is unreachable (the test's outage)")
            return super().stored_index_version()
        finally:
            self.polled.set()

    def checks(self, count: int) -> None:
        """Wait until ``count`` more checks began; all but the last have ended."""
        for _ in range(count):
            self.polled.clear()
            assert self.polled.wait(60), "the watcher stopped checking the index version"


def watched_state(settings: Settings, llm=None, service_class: type[AnswerService] = AnswerService) -> AssistantState:
    def factory(settings: Settings) -> AnswerService:
        retriever = build_retriever(settings, HashingEmbeddings())
        return service_class(retriever, llm, backend="fake", abstain_below=FAKE_ABSTAIN_BELOW)

    state = AssistantState(settings, factory)
    state.start()
    state.wait(60)
    return state


def wait_for_version(state: AssistantState, version: str) -> AnswerService:
    """Wait on the state's event until it serves this version (a load may land mid-ingest first,
    then swap to the version the ingest writes at its end)."""
    while True:
        state.changed.clear()
        service = state.service
        if service is not None and service.index_version == version:
            return service
        assert state.changed.wait(60), f"the state never served index version {version}"


def wait_until_state(state: AssistantState, condition: Callable[[AssistantState], bool], what: str) -> None:
    """Wait on the state's event until the condition holds (it is set when the service or the problem changes)."""
    while True:
        state.changed.clear()
        if condition(state):
            return
        assert state.changed.wait(60), f"the state never came to {what}: problem {state.problem!r}"


@pytest.fixture
def settings(tmp_path: Path, corpus: Path) -> Settings:
    # A quick check keeps the test short; the events, not the interval, say when it happened.
    return Settings(_env_file=None, data_dir=tmp_path / "data", corpus_dir=corpus, index_check_s=0.05)


def test_a_state_started_before_the_first_ingest_loads_it_when_it_lands(settings):
    state = watched_state(settings)
    try:
        assert state.service is None and "no index" in state.reason
        service = wait_for_version(state, ingest(settings))
        assert state.reason == "" and not service.ask(QUESTION).abstained
    finally:
        state.stop()


def test_a_new_index_version_is_swapped_in_while_a_request_in_flight_finishes_on_the_old(settings, corpus):
    first = ingest(settings)
    llm = scripted("Staff engineers do more than write code [1].", gated=True)
    state = watched_state(settings, llm)
    try:
        old = state.service
        assert old is not None and old.index_version == first
        answers = {}
        asking = threading.Thread(target=lambda: answers.update(old=old.ask(QUESTION)))
        asking.start()
        assert llm.started.wait(30), "the request never reached the model"

        article = next(corpus.glob("*.txt"))
        text = article.read_text(encoding="utf-8")
        article.write_text(text.replace("ask for a raise!", "ask for a raise and a sabbatical!"), encoding="utf-8")
        second = ingest(settings)
        new = wait_for_version(state, second)
        assert new is not old and second != first
        assert new.gate is old.gate and new.llm is old.llm  # one model and one line to it, still

        llm.release.set()
        asking.join(60)
        finished = answers["old"]
        assert not finished.abstained and finished.citations
        assert all(old.document(c.chunk_id) is not None for c in finished.citations)  # all from its own snapshot
        assert any("sabbatical" in c.quote for c in new.ask("In that position, should I ask for a raise?").citations)
    finally:
        llm.release.set()
        state.stop()


def test_a_store_that_lost_its_index_is_a_problem_while_the_last_snapshot_answers_until_an_ingest_restores_it(
    settings, caplog
):
    """A Chroma server restarted on an empty folder (or an `ingest --reset` under way) leaves the
    store answering with no version: the state says so instead of calling it unchanged."""
    first = ingest(settings)
    state = watched_state(settings, service_class=PolledService)
    try:
        served = state.service
        assert isinstance(served, PolledService) and served.index_version == first and state.problem == ""
        store = build_store(settings, HashingEmbeddings())
        with caplog.at_level(logging.WARNING, logger="assistant.server"):
            store.reset()  # the data is gone: no collection
            wait_until_state(state, lambda s: "holds no collection" in s.problem, "report the lost collection")
            served.checks(3)  # more checks find it still gone ...
        lost = [r for r in caplog.records if "holds no collection" in r.getMessage()]
        assert len(lost) == 1, lost  # ... and say nothing new
        assert state.problem == (
            f"the store at {settings.chroma_dir} holds no collection 'career-articles' (its data was lost or "
            f"reset; `assistant ingest` rebuilds it): answering from the index loaded before (version {first})"
        )
        assert state.service is served and not served.ask(QUESTION).abstained  # the snapshot answers on

        assert store.vectorstore is not None  # opening it creates the collection, empty: an ingest filling it
        wait_until_state(state, lambda s: "holds no index version yet" in s.problem, "report the empty collection")
        assert state.problem.endswith(f"answering from the index loaded before (version {first})")
        assert state.service is served

        assert ingest(settings, reset=True) == first  # the same chunks, so the same version: nothing to reload
        wait_until_state(state, lambda s: s.problem == "", "clear the problem")
        assert state.service is served and state.reason == ""
    finally:
        state.stop()


def test_a_store_that_cannot_be_read_for_a_while_is_logged_once_and_the_index_followed_after(settings, corpus, caplog):
    """The check that finds the store unreachable (a Chroma server restarting) once killed the
    watcher, which then never followed another ingest."""
    first = ingest(settings)
    state = watched_state(settings, service_class=PolledService)
    try:
        served = state.service
        assert isinstance(served, PolledService) and served.index_version == first
        with caplog.at_level(logging.WARNING, logger="assistant.server"):
            served.outage.set()
            served.checks(3)
        unreachable = [r for r in caplog.records if "unreachable" in r.getMessage()]
        assert len(unreachable) == 1, unreachable
        assert "still answering from the index loaded before" in unreachable[0].getMessage()
        assert state.problem == "" and state.service is served  # /readyz pings the store itself for this
        served.outage.clear()

        article = next(corpus.glob("*.txt"))
        text = article.read_text(encoding="utf-8")
        article.write_text(text.replace("ask for a raise!", "ask for a raise and a sabbatical!"), encoding="utf-8")
        second = ingest(settings)
        assert wait_for_version(state, second) is not served and second != first
    finally:
        state.stop()
