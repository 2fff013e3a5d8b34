"""An index snapshot kept on local disk between starts, one folder per index version.

Reading every chunk and its vector from Chroma, then building BM25 and the term counts over
them, is most of what a large index adds to start-up (about 3.5 s at 20,000 chunks, against
a few tenths to read them back from here). What they hold follows from the chunk set alone,
which the store's version names (a hash of the chunk ids, which hash each chunk's text and
metadata), and from the model that made the vectors. So the first process to load a version
writes it here, and later starts, on this host, read it back.

The store stays the one record: the version read from it picks the folder, a folder whose
ids do not hash to that version is not used, and a missing, partial or unreadable one only
means building from the store as before. Writes go to a private folder renamed into place,
so replicas or an ingest sharing the folder never see half of one.

Written by hand: bm25s saves its own index (used here), but nothing saves the rest.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path

import bm25s
import numpy as np
from langchain_core.documents import Document

from assistant.snapshot import IndexSnapshot
from ingest.store import index_version

__all__ = ["SnapshotFiles"]

logger = logging.getLogger(__name__)

_PARTIAL = ".partial-"  # a write in progress, or one a crash left behind
_STALE_PARTIAL_S = 3600


class SnapshotFiles:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, version: str, model: str) -> Path:
        return self.folder / f"{version}-{hashlib.sha256(model.encode()).hexdigest()[:8]}"

    def load(self, version: str, model: str) -> IndexSnapshot | None:
        """The snapshot of ``version`` made with ``model``, or None when there is no whole one."""
        path = self._path(version, model)
        if not version or not path.is_dir():
            return None
        try:
            snapshot = _read(path)
        except Exception as error:  # whatever is wrong with a saved copy, the store has the chunks
            logger.warning("the saved index snapshot in %s is unreadable (%s): reading the store", path, error)
            return None
        if index_version(snapshot.ids) != version or len(snapshot.matrix) != len(snapshot.documents):
            logger.warning("the saved index snapshot in %s does not match its version: reading the store", path)
            return None
        return snapshot

    def save(self, version: str, model: str, snapshot: IndexSnapshot) -> None:
        """Keep ``snapshot`` as ``version``'s, and drop other versions' (a server needs one).
        A snapshot whose ids are not that version's is not kept: it was read while an ingest
        wrote (between its add and its delete, or after it moved the version). Never fails:
        without a writable folder, the next start reads the store again."""
        path = self._path(version, model)
        if not version or path.is_dir() or index_version(snapshot.ids) != version:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            partial = Path(tempfile.mkdtemp(prefix=_PARTIAL, dir=self.folder))
            try:
                _write(partial, snapshot)
                partial.rename(path)  # fails if another process just put the same version there
            except OSError:
                shutil.rmtree(partial, ignore_errors=True)
                if not path.is_dir():
                    raise
                return
            self._drop_all_but(path)
        except OSError as error:
            logger.warning("could not save the index snapshot in %s (%s): the next start reads the store", path, error)

    def _drop_all_but(self, kept: Path) -> None:
        for entry in self.folder.iterdir():
            if entry == kept or not entry.is_dir():
                continue
            # Another process may be writing a partial folder right now: only old ones are a crash's.
            if entry.name.startswith(_PARTIAL) and time.time() - entry.stat().st_mtime < _STALE_PARTIAL_S:
                continue
            shutil.rmtree(entry, ignore_errors=True)


def _write(folder: Path, snapshot: IndexSnapshot) -> None:
    documents = {
        "ids": snapshot.ids,
        "texts": [d.page_content for d in snapshot.documents],
        "metadatas": [d.metadata for d in snapshot.documents],
    }
    with (folder / "documents.json").open("w", encoding="utf-8") as file:
        json.dump(documents, file)  # written as encoded, not built whole in memory first
    np.save(folder / "vectors.npy", snapshot.matrix, allow_pickle=False)
    frequencies = {"documents": snapshot.document_frequency, "words": snapshot.word_frequency}
    (folder / "frequencies.json").write_text(json.dumps(frequencies), encoding="utf-8")
    if snapshot.keyword_index is not None:
        snapshot.keyword_index.save(folder / "bm25", show_progress=False)


def _read(folder: Path) -> IndexSnapshot:
    stored = json.loads((folder / "documents.json").read_text(encoding="utf-8"))
    documents = [
        # model_construct: these were Documents when written; validating them again costs
        # more than reading them.
        Document.model_construct(id=str(i), page_content=str(text), metadata=dict(meta))
        for i, text, meta in zip(stored["ids"], stored["texts"], stored["metadatas"], strict=True)
    ]
    matrix = np.load(folder / "vectors.npy", allow_pickle=False)
    frequencies = json.loads((folder / "frequencies.json").read_text(encoding="utf-8"))
    keyword_index = None
    if (folder / "bm25").is_dir():
        keyword_index = bm25s.BM25.load(folder / "bm25", allow_pickle=False)
    vocabulary = {str(t): int(i) for t, i in (keyword_index.vocab_dict if keyword_index is not None else {}).items()}
    return IndexSnapshot(
        documents,
        matrix,
        keyword_index,
        vocabulary,
        Counter(frequencies["documents"]),
        Counter(frequencies["words"]),
    )
