"""Ingestion end to end with the real bundled model and a real Chroma store in tmp_path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.composition import build_ingestor, build_store
from assistant.settings import Settings, bundled_embedding_model
from ingest.embeddings import LazyEmbeddings
from ingest.errors import IndexMismatchError
from ingest.ingestor import Ingestor
from ingest.store import forget_embedded_store
from tests.conftest import ARTICLE, DATA

pytestmark = pytest.mark.integration
ARTICLE_SOURCE = ARTICLE.name


def make_ingestor(tmp_path: Path, corpus: Path, embeddings: LazyEmbeddings) -> Ingestor:
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus)
    return build_ingestor(settings, build_store(settings, embeddings))


def stored_ids(ingestor: Ingestor) -> list[str]:
    return sorted(d.id for d in ingestor.store.documents())


def test_second_run_on_an_unchanged_corpus_writes_nothing(tmp_path, corpus, embeddings):
    ingestor = make_ingestor(tmp_path, corpus, embeddings)
    first = ingestor.run()
    assert first.total("added") == 11 and not first.failed
    ids = stored_ids(ingestor)

    second = ingestor.run()
    assert second.writes == 0
    assert [f.status for f in second.files] == ["unchanged"]
    assert second.total("unchanged") == 11
    assert stored_ids(ingestor) == ids


def test_stored_chunks_quote_the_cleaned_document_at_their_offsets(tmp_path, corpus, embeddings):
    ingestor = make_ingestor(tmp_path, corpus, embeddings)
    ingestor.run()
    cleaned = (tmp_path / "data" / "cleaned" / f"{ARTICLE_SOURCE}.txt").read_text(encoding="utf-8")
    documents = ingestor.store.documents()
    assert len(documents) == 11
    for document in documents:
        assert cleaned[document.metadata["start"] : document.metadata["end"]] == document.page_content
        assert document.metadata["author"] == "Emma Tang"


def test_an_edited_file_replaces_exactly_its_own_chunks(tmp_path, corpus, embeddings):
    shutil.copy(DATA / "interview-prep.md", corpus)
    ingestor = make_ingestor(tmp_path, corpus, embeddings)
    ingestor.run()
    other_before = {d.id for d in ingestor.store.documents("interview-prep.md")}
    article_before = {d.id: d for d in ingestor.store.documents(ARTICLE_SOURCE)}

    path = corpus / ARTICLE_SOURCE
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Check in at least every half a year", "Check in at least every quarter"), encoding="utf-8")
    report = ingestor.run()

    by_source = {f.source: f for f in report.files}
    assert by_source["interview-prep.md"].status == "unchanged"
    changed = by_source[ARTICLE_SOURCE]
    assert changed.status == "changed"
    assert changed.added == changed.removed == 1 and changed.unchanged == 10
    assert {d.id for d in ingestor.store.documents("interview-prep.md")} == other_before
    article_after = {d.id: d for d in ingestor.store.documents(ARTICLE_SOURCE)}
    assert len(article_after) == 11
    assert len(set(article_after) - set(article_before)) == 1
    assert any("every quarter" in d.page_content for d in article_after.values())


def test_a_deleted_file_loses_its_chunks(tmp_path, corpus, embeddings):
    shutil.copy(DATA / "mentoring.html", corpus)
    ingestor = make_ingestor(tmp_path, corpus, embeddings)
    ingestor.run()
    assert ingestor.store.documents("mentoring.html")

    (corpus / "mentoring.html").unlink()
    report = ingestor.run()
    assert [(f.source, f.status) for f in report.files if f.status == "removed"] == [("mentoring.html", "removed")]
    assert ingestor.store.documents("mentoring.html") == []
    assert len(ingestor.store.documents(ARTICLE_SOURCE)) == 11
    assert not (tmp_path / "data" / "cleaned" / "mentoring.html.txt").exists()


def test_bad_files_are_reported_by_name_and_lose_nothing_stored(tmp_path, corpus, embeddings):
    shutil.copy(DATA / "remote-work-notes.txt", corpus)
    ingestor = make_ingestor(tmp_path, corpus, embeddings)
    ingestor.run()
    kept = stored_ids(ingestor)

    (corpus / "remote-work-notes.txt").write_bytes(b"\x00\x01binary now")  # a file that broke
    (corpus / "empty.md").write_text("")
    (corpus / "slides.pdf").write_bytes(b"%PDF-1.7")
    shutil.copy(DATA / "mentoring.html", corpus)
    report = ingestor.run()

    failures = {f.source: f.error for f in report.failed}
    assert set(failures) == {"remote-work-notes.txt", "empty.md", "slides.pdf"}
    assert "binary" in failures["remote-work-notes.txt"]
    assert "unsupported file type '.pdf'" in failures["slides.pdf"]
    assert set(kept) <= set(stored_ids(ingestor))  # the broken file's old chunks are still there
    assert ingestor.store.documents("mentoring.html")


def test_opening_the_index_with_another_model_is_refused(tmp_path, corpus, embeddings):
    ingestor = make_ingestor(tmp_path, corpus, embeddings)
    ingestor.run()
    other_model = tmp_path / "models" / "another-model"
    other_model.parent.mkdir()
    other_model.symlink_to(Path(bundled_embedding_model()), target_is_directory=True)

    other = make_ingestor(tmp_path, corpus, LazyEmbeddings(str(other_model)))
    with pytest.raises(IndexMismatchError, match="assistant ingest --reset"):
        other.run()
    assert len(stored_ids(ingestor)) == 11  # nothing lost

    rebuilt = other.run(reset=True)
    assert rebuilt.total("added") == 11


def test_a_run_killed_between_adding_and_deleting_is_brought_to_the_right_state(tmp_path, corpus, embeddings, monkeypatch):
    """New chunks written, old ones not yet deleted (killed in between): the store itself is the
    record, so the next run deletes the leftovers and ends with exactly the file's chunks."""
    ingestor = make_ingestor(tmp_path, corpus, embeddings)
    ingestor.run()
    path = corpus / ARTICLE_SOURCE
    path.write_text(path.read_text(encoding="utf-8").replace("ask for a raise!", "ask for a raise."), encoding="utf-8")

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(type(ingestor.store.vectorstore), "delete", killed)
    with pytest.raises(KeyboardInterrupt):
        ingestor.run()
    monkeypatch.undo()
    assert ingestor.store.count() == 12  # the new chunk is in, the old one not yet out
    assert not (tmp_path / "data" / "ingest-record.json").exists()  # the next run must check the store

    report = ingestor.run()
    assert report.total("removed") == 1 and report.total("added") == 0
    documents = ingestor.store.documents()
    assert len(documents) == 11
    assert any("ask for a raise." in d.page_content for d in documents)
    assert not any("ask for a raise!" in d.page_content for d in documents)
    assert ingestor.run().writes == 0


def test_only_given_paths_are_ingested(tmp_path, corpus, embeddings):
    shutil.copy(DATA / "interview-prep.md", corpus)
    ingestor = make_ingestor(tmp_path, corpus, embeddings)
    report = ingestor.run([corpus / "interview-prep.md"])
    assert [f.source for f in report.files] == ["interview-prep.md"]
    assert set(ingestor.store.sources()) == {"interview-prep.md"}


def test_only_missing_paths_ingest_nothing_else(tmp_path, corpus, embeddings):
    ingestor = make_ingestor(tmp_path, corpus, embeddings)
    report = ingestor.run([corpus / "nope.md"])
    assert [(f.source, f.status) for f in report.files] == [(str(corpus / "nope.md"), "failed")]
    assert ingestor.store.count() == 0


class RecordingProgress:
    def __init__(self) -> None:
        self.events: list[tuple] = []

    def start(self, total: int) -> None:
        self.events.append(("start", total))

    def advance(self, count: int) -> None:
        pass

    def file_started(self, source: str, chunks: int) -> None:
        self.events.append(("started", source, chunks))

    def file_finished(self, result, seconds: float) -> None:
        assert seconds >= 0
        self.events.append(("finished", result.source, result.status, result.chunks))


def test_each_file_is_reported_as_it_starts_and_finishes(tmp_path, corpus, embeddings):
    (corpus / "big.txt").write_text("word " * 3_000)  # 15,000 bytes
    ingestor = Ingestor(
        build_store(Settings(data_dir=tmp_path / "data", corpus_dir=corpus), embeddings),
        corpus,
        tmp_path / "data" / "cleaned",
        1000,
        200,
        max_file_bytes=10_000,
    )
    progress = RecordingProgress()
    report = ingestor.run(progress=progress)
    assert [(f.source, f.error) for f in report.failed] == [
        (
            "big.txt",
            "is too large (15,000 bytes; the limit is 10,000): "
            "split it, or raise ASSISTANT_MAX_FILE_BYTES to ingest it",
        )
    ]
    assert progress.events == [
        ("finished", "big.txt", "failed", 0),
        ("start", 11),
        ("started", ARTICLE_SOURCE, 11),
        ("finished", ARTICLE_SOURCE, "added", 11),
    ]


@pytest.mark.parametrize("group_chunks, calls", [(256, 1), (1, 2)])
def test_small_files_are_embedded_together_in_groups(tmp_path, corpus, embeddings, monkeypatch, group_chunks, calls):
    """Many small files fill the model's batches together (one embedding pass per group),
    and each file is still reported, and stored, as its own."""
    shutil.copy(DATA / "interview-prep.md", corpus)
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus)
    ingestor = Ingestor(build_store(settings, embeddings), corpus, tmp_path / "data" / "cleaned", 1000, 200, group_chunks=group_chunks)
    passes: list[int] = []
    embed = embeddings.embed_documents

    def counted(texts: list[str]) -> list[list[float]]:
        passes.append(len(texts))
        return embed(texts)

    monkeypatch.setattr(embeddings, "embed_documents", counted)
    progress = RecordingProgress()
    report = ingestor.run(progress=progress)
    assert len(passes) == calls and sum(passes) == report.total("chunks")
    assert sorted((f.source, f.status, f.added) for f in report.files) == sorted(
        (source, "added", count) for source, count in ingestor.store.sources().items()
    )
    assert [e[0] for e in progress.events].count("finished") == 2
    assert ingestor.run().writes == 0


def test_an_unchanged_complete_corpus_is_known_without_opening_the_store(tmp_path, corpus, embeddings):
    """`make run` ingests at every start: an embedded store that the last complete run left
    with exactly these chunks is not opened (Chroma is not even imported for it)."""
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus)
    first = build_ingestor(settings, build_store(settings, embeddings)).run()
    opened: list[bool] = []

    def open_store():
        opened.append(True)
        return build_store(settings, embeddings)

    again = build_ingestor(settings, open_store).run()
    assert not opened
    assert [(f.status, f.unchanged) for f in again.files] == [("unchanged", 11)]
    assert (again.writes, again.index_version, again.stored_chunks) == (0, first.index_version, 11)

    (tmp_path / "data" / "cleaned" / f"{ARTICLE_SOURCE}.txt").unlink()  # written again, store or not
    build_ingestor(settings, open_store).run()
    assert not opened and (tmp_path / "data" / "cleaned" / f"{ARTICLE_SOURCE}.txt").exists()


def test_a_changed_corpus_or_store_is_reconciled_with_the_store_itself(tmp_path, corpus, embeddings):
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus)
    build_ingestor(settings, build_store(settings, embeddings)).run()
    shutil.copy(DATA / "interview-prep.md", corpus)
    opened: list[bool] = []

    def open_store():
        opened.append(True)
        return build_store(settings, embeddings)

    grown = build_ingestor(settings, open_store).run()
    assert opened and grown.total("added") > 0 and grown.stored_chunks == 11 + grown.total("added")

    # The store folder deleted (or replaced) since the last run: the record no longer vouches for it.
    shutil.rmtree(settings.chroma_dir)
    forget_embedded_store(settings.chroma_dir)
    opened.clear()
    rebuilt = build_ingestor(settings, open_store).run()
    assert opened and rebuilt.total("added") == grown.stored_chunks

    # A run over some paths, or one with a failed file, is not complete: the next run checks the store.
    (corpus / "broken.md").write_bytes(b"\xff\xfe\x00not text")
    build_ingestor(settings, open_store).run([corpus / "interview-prep.md"])
    assert not settings.ingest_record_path.exists()
    opened.clear()
    assert build_ingestor(settings, open_store).run().failed and opened
    opened.clear()
    assert build_ingestor(settings, open_store).run().failed and opened
