"""Ingest the corpus: load, clean, chunk, embed and store, reporting per file.

A file that fails is reported and skipped; what it had in the index stays. Only a file
that is gone from the corpus folder loses its chunks. Files are embedded and written in
groups of a few hundred chunks; each is reported to the ``Progress`` as its group starts
and finishes, so a long run is never silent. With an ``IngestRecord`` (embedded stores), a
whole-corpus run that finds the chunk set of the last complete run says so without opening
the store.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ingest.document import PreparedDocument, prepare
from ingest.embeddings import reporting_batches
from ingest.loaders import MAX_FILE_BYTES, CorpusFileError, discover, load_file
from ingest.memory import release_freed_memory
from ingest.record import IngestRecord
from ingest.store import ChunkStore, chunk_id, data_folder_error, index_version

__all__ = ["FileResult", "IngestReport", "Ingestor", "Progress"]


class Progress(Protocol):
    def start(self, total: int) -> None: ...  # chunks to embed in this run
    def advance(self, count: int) -> None: ...  # chunks embedded (or found unchanged)
    def file_started(self, source: str, chunks: int) -> None: ...
    def file_finished(self, result: FileResult, seconds: float) -> None: ...  # any status, "failed" too


class _NoProgress:
    def start(self, total: int) -> None:
        pass

    def advance(self, count: int) -> None:
        pass

    def file_started(self, source: str, chunks: int) -> None:
        pass

    def file_finished(self, result: FileResult, seconds: float) -> None:
        pass


@dataclass
class FileResult:
    source: str
    status: str  # "added", "changed", "unchanged", "removed" or "failed"
    chunks: int = 0
    added: int = 0
    removed: int = 0
    unchanged: int = 0
    error: str = ""


@dataclass
class IngestReport:
    files: list[FileResult] = field(default_factory=list)
    seconds: float = 0.0
    index_version: str = ""  # of the chunk set this run left: what servers will swap to
    stored_chunks: int = 0  # in the store after the run, every source's

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "failed"]

    @property
    def writes(self) -> int:
        return sum(f.added + f.removed for f in self.files)

    def total(self, name: str) -> int:
        return sum(getattr(f, name) for f in self.files)


def _groups(documents: list[PreparedDocument], chunks: int) -> Iterator[list[PreparedDocument]]:
    """Consecutive documents in groups of at least ``chunks`` chunks (the last may be smaller)."""
    group: list[PreparedDocument] = []
    size = 0
    for document in documents:
        group.append(document)
        size += len(document.chunks)
        if size >= chunks:
            yield group
            group, size = [], 0
    if group:
        yield group


class Ingestor:
    def __init__(
        self,
        store: ChunkStore | Callable[[], ChunkStore],
        corpus_dir: Path,
        cleaned_dir: Path,
        chunk_size: int,
        chunk_overlap: int,
        *,
        max_file_bytes: int = MAX_FILE_BYTES,
        group_chunks: int = 256,
        after_change: Callable[[], None] | None = None,
        record: IngestRecord | None = None,
    ) -> None:
        # The store, or what opens it when a run first needs it: a run that ``record`` shows
        # unchanged never does, and never loads Chroma.
        self._store = store if isinstance(store, ChunkStore) else None
        self._open_store = None if isinstance(store, ChunkStore) else store
        self.record = record
        self.corpus_dir = corpus_dir
        self.cleaned_dir = cleaned_dir
        self.chunk_size = chunk_size
        self.chunk_overlap = chunk_overlap
        self.max_file_bytes = max_file_bytes
        # Files are embedded and written in groups of about this many chunks: a corpus of many
        # small files then fills the model's batches (ingest went at about half the speed of
        # embedding alone, one small file at a time), while memory stays bounded by the group.
        self.group_chunks = group_chunks
        # Called after a run that wrote to the store: what readers of the new version prepare
        # (the composition root has servers' snapshot saved here, so their next start reads it).
        self.after_change = after_change

    @property
    def store(self) -> ChunkStore:
        if self._store is None:
            assert self._open_store is not None
            self._store = self._open_store()
        return self._store

    def prepare_one(self, path: Path) -> PreparedDocument | CorpusFileError:
        try:
            loaded = load_file(path, self.corpus_dir, max_bytes=self.max_file_bytes)
            return prepare(loaded, self.chunk_size, self.chunk_overlap)
        except CorpusFileError as error:
            return error

    def _unchanged(
        self,
        documents: list[PreparedDocument],
        report: IngestReport,
        progress: Progress,
        prepare_seconds: dict[str, float],
    ) -> bool:
        """Report every file unchanged, without opening the store, when the record shows that
        the last complete run left exactly these chunks in it (ingest.record)."""
        assert self.record is not None
        # The store holds each id once: so does the set its version is compared with.
        version = index_version(list({chunk_id(c) for d in documents for c in d.chunks}))
        if not self.record.matches(version):
            return False
        total = sum(len(d.chunks) for d in documents)
        progress.start(total)
        for document in documents:
            progress.file_started(document.source, len(document.chunks))
            self._save_cleaned(document)  # a cleaned text deleted since is written again
            progress.advance(len(document.chunks))
            done = FileResult(document.source, "unchanged", chunks=len(document.chunks), unchanged=len(document.chunks))
            report.files.append(done)
            progress.file_finished(done, prepare_seconds[document.source])
        report.index_version = version
        report.stored_chunks = total
        return True

    def _cleaned_path(self, source: str) -> Path:
        return self.cleaned_dir / (source.lstrip("/") + ".txt")

    def _save_cleaned(self, document: PreparedDocument) -> None:
        path = self._cleaned_path(document.source)
        if not path.exists() or path.read_text(encoding="utf-8") != document.cleaned_text:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(document.cleaned_text, encoding="utf-8")
            except OSError as error:
                raise data_folder_error(self.cleaned_dir, error) from None

    def run(self, paths: Iterable[Path] = (), reset: bool = False, progress: Progress | None = None) -> IngestReport:
        started = time.perf_counter()
        progress = progress or _NoProgress()
        paths = list(paths)
        report = IngestReport()
        outcomes, prepare_seconds = self._prepare(paths, report, progress)
        documents = [o for o in outcomes if isinstance(o, PreparedDocument)]
        # A run over every file of the corpus, each prepared: what the record may vouch for.
        whole_corpus = not paths and len(documents) == len(outcomes)
        if self.record is not None:
            if whole_corpus and not reset and self._unchanged(documents, report, progress, prepare_seconds):
                report.seconds = time.perf_counter() - started
                return report
            self.record.forget()  # the store is opened: from here on, only it knows what it holds

        if reset:
            self.store.reset()
        else:
            self.store.check_model()
        stored = self.store.sources()
        self._write(documents, stored, report, progress, prepare_seconds)
        if not paths:  # a whole-corpus run also forgets files that are gone from the corpus folder
            self._forget_gone(set(stored) - {o.source for o in outcomes}, report, progress)
        report.index_version = self.store.mark_version()
        report.stored_chunks = self.store.count()
        if report.writes and self.after_change is not None:
            self.after_change()
        if self.record is not None and whole_corpus:
            self.record.save(report.index_version)
        report.seconds = time.perf_counter() - started
        return report

    def _prepare(
        self, paths: list[Path], report: IngestReport, progress: Progress
    ) -> tuple[list[PreparedDocument | CorpusFileError], dict[str, float]]:
        """Load and chunk every file first (no model, no store), so a failing file is known
        before anything is written and the bar knows how many chunks there are to embed.
        Failures go into the report; (every outcome, seconds each file took) comes back."""
        outcomes: list[PreparedDocument | CorpusFileError] = []
        prepare_seconds: dict[str, float] = {}
        existing = [p for p in paths if p.exists()]
        # discover() reads "no paths" as the whole corpus: not what "only missing paths" means.
        for path in discover(self.corpus_dir, existing) if existing or not paths else []:
            begun = time.perf_counter()
            outcome = self.prepare_one(path)
            prepare_seconds[outcome.source] = time.perf_counter() - begun
            outcomes.append(outcome)
        outcomes += [CorpusFileError(str(p), "file not found") for p in paths if not p.exists()]
        for error in (o for o in outcomes if isinstance(o, CorpusFileError)):
            failed = FileResult(error.source, "failed", error=error.reason)
            report.files.append(failed)
            progress.file_finished(failed, prepare_seconds.get(error.source, 0.0))
        return outcomes, prepare_seconds

    def _write(
        self,
        documents: list[PreparedDocument],
        stored: dict,
        report: IngestReport,
        progress: Progress,
        prepare_seconds: dict[str, float],
    ) -> None:
        """Each group of files reconciled with the store (their new chunks embedded), the bar
        advanced batch by batch as the model embeds."""
        progress.start(sum(len(d.chunks) for d in documents))
        embedded = 0

        def count_embedded(count: int) -> None:
            nonlocal embedded
            embedded += count
            progress.advance(count)

        with reporting_batches(self.store.embeddings, count_embedded):
            for group in _groups(documents, self.group_chunks):
                begun = time.perf_counter()
                before = embedded
                for document in group:
                    progress.file_started(document.source, len(document.chunks))
                    # The cleaned text first: a data folder that refuses it stops the run before
                    # the index holds chunks whose offsets point into a text that is not there.
                    self._save_cleaned(document)
                synced = self.store.sync_sources({d.source: d.chunks for d in group})
                release_freed_memory()  # what embedding the group freed (ingest.memory)
                size = sum(len(d.chunks) for d in group)
                progress.advance(size - (embedded - before))  # the chunks that needed no embedding
                # The group's time is shared by its files in proportion to their chunks.
                share = (time.perf_counter() - begun) / max(size, 1)
                for document in group:
                    outcome = synced[document.source]
                    status = "unchanged" if not outcome.writes else ("changed" if stored.get(document.source) else "added")
                    done = FileResult(
                        document.source,
                        status,
                        chunks=len(document.chunks),
                        added=outcome.added,
                        removed=outcome.removed,
                        unchanged=outcome.unchanged,
                    )
                    report.files.append(done)
                    progress.file_finished(done, prepare_seconds[document.source] + share * len(document.chunks))

    def _forget_gone(self, sources: set[str], report: IngestReport, progress: Progress) -> None:
        """The chunks and cleaned texts of files no longer in the corpus folder."""
        for source in sorted(sources):
            begun = time.perf_counter()
            removed = self.store.remove_source(source)
            self._cleaned_path(source).unlink(missing_ok=True)
            gone = FileResult(source, "removed", removed=removed)
            report.files.append(gone)
            progress.file_finished(gone, time.perf_counter() - begun)
