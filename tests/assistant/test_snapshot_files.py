"""The index snapshot saved between starts: used only when whole and of the store's version,
and then answering exactly as one read from the store."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from assistant.composition import build_ingestor, build_store
from assistant.retrieval import HybridRetriever
from assistant.settings import Settings
from assistant.snapshot_files import SnapshotFiles
from tests.fakes import HashingEmbeddings

QUESTIONS = [
    "Will I lose my engineering chops if I move to product?",
    "What does a staff engineer do all day?",
    "EM skills?",
    "How much does a staff engineer make at Google?",
]


@pytest.fixture
def settings(tmp_path: Path, corpus: Path) -> Settings:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", corpus_dir=corpus)
    assert not build_ingestor(settings, build_store(settings, HashingEmbeddings())).run().failed
    return settings


def saved(settings: Settings) -> list[Path]:
    return sorted(p for p in settings.snapshot_dir.iterdir() if p.is_dir())


def unreadable_store(settings: Settings):
    """A store whose chunks cannot be read: a retriever built over it used the saved snapshot."""
    store = build_store(settings, HashingEmbeddings())

    def snapshot():
        raise AssertionError("the store was read")

    store.snapshot = snapshot
    return store


def answers(retriever: HybridRetriever) -> list:
    return [
        (
            retriever.retrieve(q, 4),
            retriever.keyword.get_scores(q).tolist(),
            retriever.read(q),
            [retriever.idf(t) for t in ("engineer", "staff", "unseen")],
        )
        for q in QUESTIONS
    ]


def test_an_ingest_that_writes_saves_its_version_and_a_server_start_reads_it_back(settings):
    [folder] = saved(settings)
    store = build_store(settings, HashingEmbeddings())
    assert folder.name.startswith(store.version())

    from_files = HybridRetriever(unreadable_store(settings), files=SnapshotFiles(settings.snapshot_dir))
    from_store = HybridRetriever(store)

    assert from_files.version == from_store.version
    assert answers(from_files) == answers(from_store)
    np.testing.assert_array_equal(from_files._matrix, from_store._matrix)


def test_a_new_version_replaces_the_old_one_and_an_unchanged_run_writes_none(settings):
    [old] = saved(settings)
    article = next(settings.corpus_dir.glob("*.txt"))
    text = article.read_text(encoding="utf-8")
    article.write_text(text.replace("Check in at least every half a year", "Check in every quarter"), "utf-8")
    ingestor = build_ingestor(settings, build_store(settings, HashingEmbeddings()))

    assert ingestor.run().writes
    [new] = saved(settings)
    assert new != old and new.name.startswith(ingestor.store.version())

    shutil.rmtree(new)
    assert ingestor.run().writes == 0
    assert saved(settings) == []  # an unchanged run prepares nothing: it reads no chunk


@pytest.mark.parametrize("damage", ["truncated vectors", "ids of another version", "missing documents"])
def test_a_damaged_or_foreign_snapshot_is_not_used(settings, damage):
    [folder] = saved(settings)
    if damage == "truncated vectors":
        (folder / "vectors.npy").write_bytes((folder / "vectors.npy").read_bytes()[:100])
    elif damage == "ids of another version":
        stored = json.loads((folder / "documents.json").read_text(encoding="utf-8"))
        stored["ids"][0] = "0" * 64
        (folder / "documents.json").write_text(json.dumps(stored), encoding="utf-8")
    else:
        (folder / "documents.json").unlink()
    files = SnapshotFiles(settings.snapshot_dir)
    store = build_store(settings, HashingEmbeddings())

    assert files.load(store.version(), store.embeddings.identity) is None
    retriever = HybridRetriever(store, files=files)  # read from the store instead
    assert answers(retriever) == answers(HybridRetriever(build_store(settings, HashingEmbeddings())))


def test_another_model_does_not_read_the_snapshot(settings):
    store = build_store(settings, HashingEmbeddings())
    files = SnapshotFiles(settings.snapshot_dir)

    assert files.load(store.version(), store.embeddings.identity) is not None
    assert files.load(store.version(), "another/model") is None


def test_a_read_only_data_folder_still_serves(settings, caplog):
    if shutil.which("chattr") is None:
        pytest.skip("chattr (e2fsprogs) is needed to make a folder read-only for root")
    shutil.rmtree(settings.snapshot_dir)
    subprocess.run(["chattr", "+i", str(settings.data_dir)], check=True, capture_output=True)
    try:
        retriever = HybridRetriever(build_store(settings, HashingEmbeddings()), files=SnapshotFiles(settings.snapshot_dir))
        assert retriever.retrieve(QUESTIONS[0], 4)
    finally:
        subprocess.run(["chattr", "-i", str(settings.data_dir)], check=True, capture_output=True)
    assert "could not save the index snapshot" in caplog.text
    assert not settings.snapshot_dir.exists()


def test_a_version_saved_by_another_process_meanwhile_is_kept(settings):
    [folder] = saved(settings)
    files = SnapshotFiles(settings.snapshot_dir)
    store = build_store(settings, HashingEmbeddings())
    snapshot = files.load(store.version(), store.embeddings.identity)
    before = (folder / "documents.json").stat().st_mtime_ns

    files.save(store.version(), store.embeddings.identity, snapshot)

    assert saved(settings) == [folder] and (folder / "documents.json").stat().st_mtime_ns == before
    assert not [p for p in settings.snapshot_dir.iterdir() if p.name.startswith(".partial-")]
