"""The same ingestion code writing to a real `chroma run` server on a loopback port."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from assistant.settings import Settings
from ingest.pipeline import Ingestor
from ingest.store import ChunkStore
from tests.conftest import free_port

pytestmark = pytest.mark.integration


@pytest.fixture
def chroma_server(tmp_path: Path):
    chroma = Path(sys.executable).with_name("chroma")
    if not chroma.exists():
        chroma = Path(shutil.which("chroma") or "chroma")
    port = free_port()
    log = (tmp_path / "chroma.log").open("w")
    process = subprocess.Popen(
        [str(chroma), "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"chroma run did not start; see {tmp_path / 'chroma.log'}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def test_ingest_into_a_chroma_server(tmp_path, corpus, embeddings, chroma_server):
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus, chroma_url=chroma_server)
    store = ChunkStore.from_settings(settings, embeddings)
    ingestor = Ingestor(store, corpus, settings.cleaned_dir, settings.chunk_size, settings.chunk_overlap)

    assert ingestor.run().total("added") == 11
    assert ingestor.run().writes == 0
    assert not settings.chroma_dir.exists()  # nothing went to the embedded store

    import chromadb

    port = int(chroma_server.rsplit(":", 1)[1])
    collection = chromadb.HttpClient(host="127.0.0.1", port=port).get_collection(settings.collection)
    assert collection.count() == 11
    assert collection.metadata["embedding_model"] == embeddings.identity
