"""The same ingestion code writing to a real `chroma run` server on a loopback port."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.composition import build_ingestor, build_store
from assistant.settings import Settings
from tests.conftest import ARTICLE, DATA
from tests.processes import chroma_server as running_chroma

pytestmark = pytest.mark.integration


@pytest.fixture
def chroma_server(tmp_path: Path):
    with running_chroma(tmp_path / "server-data", tmp_path) as url:
        yield url


def test_ingest_into_a_chroma_server(tmp_path, corpus, embeddings, chroma_server):
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus, chroma_url=chroma_server)
    ingestor = build_ingestor(settings, build_store(settings, embeddings))

    assert ingestor.run().total("added") == 11
    assert ingestor.run().writes == 0
    assert not settings.chroma_dir.exists()  # nothing went to the embedded store

    import chromadb

    port = int(chroma_server.rsplit(":", 1)[1])
    collection = chromadb.HttpClient(host="127.0.0.1", port=port).get_collection(settings.collection)
    assert collection.count() == 11
    assert collection.metadata["embedding_model"] == embeddings.identity


def test_ingest_from_a_second_working_copy_converges(tmp_path, corpus, embeddings, chroma_server):
    """Two data folders (two hosts) ingesting into one Chroma server: the second sees what the
    first wrote, replaces an edited file's chunks and removes a deleted file's, leaving the same
    chunk set as a clean ingest of the final corpus."""
    first = build_ingestor(
        Settings(data_dir=tmp_path / "host-a", corpus_dir=corpus, chroma_url=chroma_server),
        build_store(Settings(data_dir=tmp_path / "host-a", chroma_url=chroma_server), embeddings),
    )
    shutil.copy(DATA / "mentoring.html", corpus)
    assert first.run().total("added") > 11

    elsewhere = tmp_path / "host-b-corpus"
    shutil.copytree(corpus, elsewhere)
    (elsewhere / "mentoring.html").unlink()
    article = elsewhere / ARTICLE.name
    article.write_text(
        article.read_text(encoding="utf-8").replace("ask for a raise!", "ask for a raise."), encoding="utf-8"
    )
    second_settings = Settings(data_dir=tmp_path / "host-b", corpus_dir=elsewhere, chroma_url=chroma_server)
    second = build_ingestor(second_settings, build_store(second_settings, embeddings))
    report = second.run()
    assert {f.source: f.status for f in report.files} == {ARTICLE.name: "changed", "mentoring.html": "removed"}

    clean_settings = Settings(data_dir=tmp_path / "clean", corpus_dir=elsewhere, collection="clean-run")
    clean = build_ingestor(clean_settings, build_store(clean_settings, embeddings))
    clean.run()
    assert sorted(d.id for d in second.store.documents()) == sorted(d.id for d in clean.store.documents())
    assert second.run().writes == 0 and first.store.count() == 11
