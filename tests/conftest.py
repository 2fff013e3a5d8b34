"""Shared fixtures: every data folder points into tmp_path, and the expensive things
(the embedding model, an index of the real corpus) are built once per test session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
ARTICLE = CORPUS / "career-paths-beyond-senior-software-engineer.txt"
DATA = Path(__file__).resolve().parent / "ingest" / "data"


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """No test reads or writes the developer's own .data, corpus or .env."""
    from assistant.settings import get_settings

    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ASSISTANT_CORPUS_DIR", str(tmp_path / "corpus"))
    for name in list(os.environ):
        if name.startswith("ASSISTANT_") and name not in {"ASSISTANT_DATA_DIR", "ASSISTANT_CORPUS_DIR"}:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # so no .env of the developer's is picked up
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A copy of the real corpus that a test may edit."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture(scope="session")
def embeddings():
    """The real bundled model, loaded once for the whole session."""
    from assistant.settings import bundled_embedding_model
    from ingest.embeddings import LazyEmbeddings

    return LazyEmbeddings(bundled_embedding_model())


@pytest.fixture(scope="session")
def index_settings(tmp_path_factory: pytest.TempPathFactory, embeddings):
    """Settings of an index of the real corpus, built once per session; tests only read it."""
    from assistant.settings import Settings
    from ingest.pipeline import Ingestor
    from ingest.store import ChunkStore

    settings = Settings(_env_file=None, data_dir=tmp_path_factory.mktemp("index") / "data", corpus_dir=CORPUS)
    store = ChunkStore.from_settings(settings, embeddings)
    report = Ingestor(store, CORPUS, settings.cleaned_dir, settings.chunk_size, settings.chunk_overlap).run()
    assert not report.failed
    return settings


@pytest.fixture(scope="session")
def retriever(index_settings, embeddings):
    from assistant.retrieval import HybridRetriever
    from ingest.store import ChunkStore

    return HybridRetriever(ChunkStore.from_settings(index_settings, embeddings))


@pytest.fixture(scope="session")
def cleaned_article(index_settings) -> str:
    return (index_settings.cleaned_dir / f"{ARTICLE.name}.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def make_service(retriever, index_settings):
    """An AnswerService over the session index with the chat model a test chooses."""
    from assistant.service import AnswerService

    def build(llm=None, **overrides):
        options = {
            "backend": "fake" if llm is not None else "extractive",
            "top_k": index_settings.top_k,
            "abstain_below": index_settings.abstain_below,
            "llm_timeout_s": 10.0,
            **overrides,
        }
        return AnswerService(retriever, llm, **options)

    return build
