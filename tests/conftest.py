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
