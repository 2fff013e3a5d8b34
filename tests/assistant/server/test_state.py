"""The server's state following the index: a load retried until an ingest has run, and a swap to
each new index version while a request in flight finishes on the snapshot it started with.
In process, over a real Chroma store with the fake embeddings; the watcher is synchronised
on the state's `changed` event and the gated fake model's events, never on time."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from assistant.composition import build_ingestor, build_retriever, build_store
from assistant.server.state import AssistantState
from assistant.service import AnswerService
from assistant.settings import Settings
from tests.conftest import FAKE_ABSTAIN_BELOW
from tests.fakes import HashingEmbeddings, scripted

pytestmark = pytest.mark.integration
QUESTION = "Do staff engineers only write code?"


def ingest(settings: Settings) -> str:
    report = build_ingestor(settings, build_store(settings, HashingEmbeddings())).run()
    assert not report.failed
    return report.index_version


def watched_state(settings: Settings, llm=None) -> AssistantState:
    def factory(settings: Settings) -> AnswerService:
        retriever = build_retriever(settings, HashingEmbeddings())
        return AnswerService(retriever, llm, backend="fake", abstain_below=FAKE_ABSTAIN_BELOW)

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
