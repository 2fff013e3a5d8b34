"""Shared fixtures: every data folder points into tmp_path, and the expensive things
(the embedding model, an index of the article) are built once per test session. Every index
and corpus here holds the article alone (article_corpus), whatever else corpus/ holds."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.processes import answers_200, free_port, started, tool

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
ARTICLE = CORPUS / "career-paths-beyond-senior-software-engineer.txt"
ARTICLE_SIDECAR = ARTICLE.with_suffix(".meta.json")  # ingest.loaders.SIDECAR_SUFFIX
DATA = Path(__file__).resolve().parent / "ingest" / "data"
LIVE_API_KEY = "test-key-42"


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """No test reads or writes the developer's own .data, corpus or .env."""
    from assistant.settings import get_settings

    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ASSISTANT_CORPUS_DIR", str(tmp_path / "corpus"))
    for name in list(os.environ):
        if name.startswith("ASSISTANT_") and name not in {"ASSISTANT_DATA_DIR", "ASSISTANT_CORPUS_DIR"}:
            monkeypatch.delenv(name)
    # `assistant ask` answers through a server at 127.0.0.1:8000 when one runs: never the
    # developer's own (tests that mean a server set the URL of theirs).
    monkeypatch.setenv("ASSISTANT_SERVER_URL", "off")
    monkeypatch.chdir(tmp_path)  # so no .env of the developer's is picked up
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def article_corpus(target: Path) -> Path:
    """A corpus folder at target holding the article alone (and its .meta.json sidecar).

    The tests pin the article's chunks, sections and answers: they read it from a folder of
    its own, so another article added to corpus/ changes none of them."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ARTICLE, target / ARTICLE.name)
    if ARTICLE_SIDECAR.exists():
        shutil.copy2(ARTICLE_SIDECAR, target / ARTICLE_SIDECAR.name)
    return target


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A copy of the article's corpus (article_corpus) that a test may edit."""
    return article_corpus(tmp_path / "corpus")


@pytest.fixture(scope="session")
def embeddings():
    """The real bundled model, loaded once for the whole session."""
    from assistant.settings import bundled_embedding_model
    from ingest.embeddings import LazyEmbeddings

    return LazyEmbeddings(bundled_embedding_model())


@pytest.fixture(scope="session")
def index_settings(tmp_path_factory: pytest.TempPathFactory, embeddings):
    """Settings of an index of the article (article_corpus), built once per session; tests only read it."""
    from assistant.composition import build_ingestor, build_store
    from assistant.settings import Settings

    folder = tmp_path_factory.mktemp("index")
    settings = Settings(_env_file=None, data_dir=folder / "data", corpus_dir=article_corpus(folder / "corpus"))
    report = build_ingestor(settings, build_store(settings, embeddings)).run()
    assert not report.failed
    return settings


@pytest.fixture(scope="session")
def retriever(index_settings, embeddings):
    from assistant.composition import build_retriever

    return build_retriever(index_settings, embeddings)


@pytest.fixture(scope="session")
def cleaned_article(index_settings) -> str:
    return (index_settings.cleaned_dir / f"{ARTICLE.name}.txt").read_text(encoding="utf-8")


def service_maker(retriever, top_k: int, abstain_below: float):
    from assistant.service import AnswerService

    def build(llm=None, **overrides):
        options = {
            "backend": "fake" if llm is not None else "extractive",
            "top_k": top_k,
            "abstain_below": abstain_below,
            "llm_timeout_s": 10.0,
            **overrides,
        }
        return AnswerService(retriever, llm, **options)

    return build


@pytest.fixture(scope="session")
def make_service(retriever, index_settings):
    """An AnswerService over the session index with the chat model a test chooses."""
    return service_maker(retriever, index_settings.top_k, index_settings.abstain_below)


# The fake embeddings' own abstention threshold, measured like the real one: the article's
# questions score 0.30 and up with them, off-topic ones 0.23 and down.
FAKE_ABSTAIN_BELOW = 0.27


@pytest.fixture(scope="session")
def fake_index_settings(tmp_path_factory: pytest.TempPathFactory):
    """An index of the article (article_corpus) built with HashingEmbeddings: no model to load."""
    from assistant.composition import build_ingestor, build_store
    from assistant.settings import Settings
    from tests.fakes import HashingEmbeddings

    folder = tmp_path_factory.mktemp("fake-index")
    settings = Settings(_env_file=None, data_dir=folder / "data", corpus_dir=article_corpus(folder / "corpus"))
    assert not build_ingestor(settings, build_store(settings, HashingEmbeddings())).run().failed
    return settings


@pytest.fixture(scope="session")
def fake_retriever(fake_index_settings):
    from assistant.composition import build_retriever
    from tests.fakes import HashingEmbeddings

    return build_retriever(fake_index_settings, HashingEmbeddings())


@pytest.fixture(scope="session")
def make_fake_service(fake_retriever, fake_index_settings):
    """make_service over the fake-embeddings index: for tests of logic around the answer."""
    return service_maker(fake_retriever, fake_index_settings.top_k, FAKE_ABSTAIN_BELOW)


@contextmanager
def serving(
    index_settings, log_dir: Path, llm_backend: str, wait_ready: bool = True, **env_extra: str
) -> Iterator[tuple[str, Path]]:
    """`assistant serve` on a free loopback port over the session index (or ASSISTANT_DATA_DIR
    in env_extra), with an API key and the LLM backend given; yields (base URL, log path) once
    /readyz says ready (or, without wait_ready, once /healthz answers)."""
    port = free_port()
    log_path = log_dir / f"server-{port}.log" if (log_dir / "server.log").exists() else log_dir / "server.log"
    env = {
        "ASSISTANT_DATA_DIR": str(index_settings.data_dir),
        "ASSISTANT_CORPUS_DIR": str(index_settings.corpus_dir),
        "ASSISTANT_API_KEY": LIVE_API_KEY,
        "ASSISTANT_LLM_BACKEND": llm_backend,
        # The tables of hostile requests send dozens of wrong keys on purpose from one address;
        # the wrong-key limit has tests of its own (tests/assistant/server/test_key_attempts.py).
        "ASSISTANT_LOGIN_FAILURES_PER_MINUTE": "100000",
        **env_extra,
    }
    base = f"http://127.0.0.1:{port}"
    probe = answers_200(f"{base}/readyz" if wait_ready else f"{base}/healthz")
    argv = [tool("assistant"), "serve", "--port", str(port)]
    with started(argv, probe, log_path, env=env, cwd=index_settings.data_dir.parent):
        yield base, log_path


@pytest.fixture(scope="session")
def live_server(index_settings, tmp_path_factory):
    """`assistant serve` with the embedded LLM and an API key; yields (base URL, log path)."""
    with serving(index_settings, tmp_path_factory.mktemp("server"), "embedded") as served:
        yield served


@pytest.fixture(scope="session")
def live_extractive_server(index_settings, tmp_path_factory):
    """`assistant serve` as live_server, but answering with the extractive backend (no LLM):
    for tests of the HTTP layer that send many requests."""
    with serving(index_settings, tmp_path_factory.mktemp("server-extractive"), "extractive") as served:
        yield served
