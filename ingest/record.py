"""What the last complete run left in an embedded store, so an unchanged run can skip opening it.

The store stays the one record of what it holds (ingest.store): this file never decides what
is written. It only lets a whole-corpus run whose chunk set is the one the last complete run
left report "unchanged" without importing Chroma (0.3 s of a 0.4 s re-run over one article;
`make run` ingests at every start). It is kept for an embedded store only: a Chroma server
can be written by ingests on other hosts, which this file would not see.

It holds while nothing else wrote to the store, which the ingestor keeps true: the file is
deleted before any run opens the store, and written again only after a whole-corpus run
finished with no failed file. A run killed part-way therefore leaves no file, and the next
run reconciles with the store itself. A store folder that was replaced or deleted since is
a different sqlite file (another inode), so the record no longer matches it.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = ["IngestRecord"]

_STORE_FILE = "chroma.sqlite3"  # the embedded store's own database, rewritten in place


@dataclass(frozen=True)
class _Entry:
    version: str  # ingest.store.index_version of the chunk set the run left
    store: str  # the store folder
    inode: list[int]  # (device, inode) of its database: another folder or a replaced one differs
    collection: str
    model: str


class IngestRecord:
    def __init__(self, path: Path, store_dir: Path, collection: str, model: str) -> None:
        self.path = path
        self.store_dir = store_dir
        self.collection = collection
        self.model = model

    def _current(self, version: str) -> _Entry | None:
        try:
            stat = (self.store_dir / _STORE_FILE).stat()
        except OSError:
            return None
        return _Entry(version, str(self.store_dir.resolve()), [stat.st_dev, stat.st_ino], self.collection, self.model)

    def matches(self, version: str) -> bool:
        """True when the last complete run left exactly the chunk set ``version`` in this store."""
        current = self._current(version)
        if current is None or not version:
            return False
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return saved == asdict(current)

    def forget(self) -> None:
        """Before a run opens the store: from here on, only the store knows what it holds."""
        with contextlib.suppress(OSError):  # an unwritable data folder: the run itself will say so
            self.path.unlink(missing_ok=True)

    def save(self, version: str) -> None:
        current = self._current(version)
        if current is None or not version:
            return
        partial = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        try:
            partial.write_text(json.dumps(asdict(current)), encoding="utf-8")
            partial.replace(self.path)  # whole or absent: a reader never sees half of it
        except OSError:  # only a faster next run is lost
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
