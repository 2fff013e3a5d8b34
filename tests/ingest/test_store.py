"""ChunkStore's reads: the snapshot a server loads and the UI's example questions."""

from __future__ import annotations

import numpy as np

from assistant.composition import build_store
from assistant.settings import Settings
from tests.fakes import HashingEmbeddings


def test_the_snapshot_gives_every_chunk_in_reading_order_with_its_own_vector(fake_index_settings):
    store = build_store(fake_index_settings, HashingEmbeddings())
    documents, vectors = store.snapshot()

    assert [d.id for d in documents] == [d.id for d in store.documents()]  # reading order
    assert isinstance(vectors, np.ndarray) and vectors.shape == (len(documents), HashingEmbeddings().dimension)
    stored = store.vectorstore.get(ids=[d.id for d in documents], include=["embeddings"])
    by_id = dict(zip(stored["ids"], stored["embeddings"], strict=True))
    for document, vector in zip(documents, vectors, strict=True):
        np.testing.assert_allclose(vector, by_id[document.id], rtol=1e-6)
        assert document.page_content and document.metadata["source"]


def test_an_empty_store_has_an_empty_snapshot(tmp_path):
    store = build_store(Settings(_env_file=None, data_dir=tmp_path / "data"), HashingEmbeddings())

    documents, vectors = store.snapshot()

    assert documents == [] and len(vectors) == 0
    assert store.question_chunks() == []


def test_question_chunks_are_the_chunks_that_answer_a_q_and_a_question_in_reading_order(fake_index_settings):
    store = build_store(fake_index_settings, HashingEmbeddings())

    asked = store.question_chunks()

    expected = [d for d in store.documents() if d.metadata.get("question")]
    assert asked and [d.id for d in asked] == [d.id for d in expected]
    assert [d.page_content for d in asked] == [d.page_content for d in expected]


def test_a_snapshot_read_in_small_pages_is_the_same_as_one_read_at_once(fake_index_settings):
    store = build_store(fake_index_settings, HashingEmbeddings())

    whole_documents, whole_vectors = store.snapshot()
    paged_documents, paged_vectors = store.snapshot(page=3)  # 11 chunks: four pages, the last short

    assert [d.id for d in paged_documents] == [d.id for d in whole_documents]
    assert [d.metadata for d in paged_documents] == [d.metadata for d in whole_documents]
    np.testing.assert_array_equal(paged_vectors, whole_vectors)


def test_forget_embedded_store_relies_on_chromas_private_per_path_cache(tmp_path):
    """Upstream behaviour pinned with chromadb==1.5.9: Chroma keeps one System per path in
    the private class dict SharedSystemClient._identifier_to_system (no public call drops a
    single path; clear_system_cache drops every store of the process), so a second client
    of that path shares the first's copy of the index. forget_embedded_store pops the path,
    and the next client builds a System of its own. A Chroma upgrade that moves the cache
    fails here, not in a server that silently keeps serving a stale index."""
    import chromadb
    from chromadb.api.shared_system_client import SharedSystemClient

    from ingest.store import forget_embedded_store

    folder = tmp_path / "chroma"
    system = chromadb.PersistentClient(path=str(folder))._system  # a lookup in that dict, by path
    assert SharedSystemClient._identifier_to_system[str(folder)] is system
    assert chromadb.PersistentClient(path=str(folder))._system is system
    forget_embedded_store(folder)
    assert str(folder) not in SharedSystemClient._identifier_to_system
    assert chromadb.PersistentClient(path=str(folder))._system is not system
