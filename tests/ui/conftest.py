"""A second server for the UI's tests: over a corpus whose Q&A question holds HTML."""

from __future__ import annotations

import pytest

from tests.fake_index import make_service, retriever  # noqa: F401  (the chat handler's tests are of its logic)

# Scripts that would run if the text were put in the page as HTML: an image that fails to
# load and an SVG that loads, each calling alert(); <script> in innerHTML would not run.
PAYLOAD = "<img src=x onerror=alert(1)><svg onload=alert(2)>"
PAYLOAD_QUESTION = f"{PAYLOAD} Should I become a manager?"

ARTICLE = f"""Becoming a manager

Many senior engineers wonder whether management is the next step. It is one path among several.

Q & A

Q: {PAYLOAD_QUESTION}
A: Become a manager when helping people grow matters more to you than writing code yourself.

Q: Do managers still write code?
A: Some do, but most of a manager's week goes to people, planning and hiring.
"""


@pytest.fixture(scope="session")
def keyless_server(tmp_path_factory, embeddings):
    """`assistant serve` over a tmp corpus of one article whose first Q&A question holds a
    script, with no API key (as on 127.0.0.1 by default) and the extractive backend (no LLM
    to wait for); yields its base URL."""
    from assistant.composition import build_ingestor, build_store
    from assistant.settings import Settings
    from tests.conftest import serving

    root = tmp_path_factory.mktemp("html-corpus")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "becoming-a-manager.txt").write_text(ARTICLE, encoding="utf-8")
    settings = Settings(_env_file=None, data_dir=root / "data", corpus_dir=corpus)
    ingestor = build_ingestor(settings, build_store(settings, embeddings))
    assert not ingestor.run().failed
    store = ingestor.store
    assert PAYLOAD_QUESTION in {d.metadata.get("question") for d in store.documents()}
    with serving(settings, root, "extractive", ASSISTANT_API_KEY="") as (base, _log):
        yield base


@pytest.fixture(scope="session")
def json_logged_server(index_settings, tmp_path_factory):
    """`assistant serve` with the API key and the extractive backend, writing its log as JSON
    (ASSISTANT_LOG_FORMAT=json): for tests of what the UI's error paths answer and log.
    Yields (base URL, log path)."""
    from tests.conftest import serving

    log_dir = tmp_path_factory.mktemp("server-json-log")
    with serving(index_settings, log_dir, "extractive", ASSISTANT_LOG_FORMAT="json") as served:
        yield served


@pytest.fixture(scope="session")
def feedback_server(index_settings, tmp_path_factory):
    """`assistant serve` with the API key and the extractive backend, logging every question
    (ASSISTANT_LOG_QUESTIONS=true) into a feedback store of its own: for the thumbs, the
    comment box and the "What readers miss" tab. Yields (base URL, feedback store path)."""
    from tests.conftest import serving

    folder = tmp_path_factory.mktemp("feedback-server")
    db = folder / "feedback.sqlite3"
    with serving(
        index_settings, folder, "extractive", ASSISTANT_LOG_QUESTIONS="true", ASSISTANT_FEEDBACK_DB=str(db)
    ) as (base, _log):
        yield base, db


@pytest.fixture(scope="session")
def held_server(index_settings, tmp_path_factory):
    """`assistant serve` with the API key and the `openai` backend over a scripted LLM server on
    loopback (tests/trickling_llm.py) that answers one faithful sentence at once, unless the
    test calls ``llm.hold_next()``: then that answer is written until the client hangs up, so a
    test that presses Stop does so while the answer is being written, however loaded the
    machine. Yields (base URL, log path, the LLM server)."""
    from tests.conftest import serving
    from tests.trickling_llm import TricklingLLMServer

    words = ("You may lose some of your engineering ability ", "in a product role [1].")
    with TricklingLLMServer(words=words, trickle=False, interval_s=0.2) as llm:
        with serving(
            index_settings, tmp_path_factory.mktemp("held-server"), "openai",
            ASSISTANT_LLM_BASE_URL=llm.url, ASSISTANT_LLM_MODEL="scripted", ASSISTANT_LLM_TIMEOUT_S="600",
        ) as (base, log_path):
            yield base, log_path, llm
