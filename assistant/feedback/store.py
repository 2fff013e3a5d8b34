"""The feedback store: one SQLite file (stdlib sqlite3) of stored answers and their ratings.

Durable by construction: WAL journal with synchronous=FULL, and every write is one
transaction committed before the method returns, so a rating the API has acknowledged
survives a SIGKILL of the server, or a power cut, a moment later. One connection per store,
used under a lock: the server rates from its worker threads, and writes are a few a second
at most. The file is opened on first use (the schema created then), so a server whose
readers never rate writes nothing, and a lookup of an unknown id never creates it.

Retention: rows older than ``retention_days`` go (an answer with its rating) when the store
opens, then at most once an hour, with a write.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from assistant.errors import DataFolderError
from assistant.feedback.records import AnswerRecord, StoredAnswer

__all__ = ["PURGE_EVERY_S", "FeedbackStore"]

# Retention is in days: checking it more often than hourly on writes would only cost time.
PURGE_EVERY_S = 3600.0
# How long a write waits for another process's (an `assistant feedback export` purging at
# open, a second server on the same folder) before it fails.
BUSY_TIMEOUT_S = 5.0
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    id TEXT PRIMARY KEY,
    question TEXT NOT NULL,
    standalone_question TEXT NOT NULL,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL,            -- JSON: the answer's citations
    abstained INTEGER NOT NULL,
    backend TEXT NOT NULL,
    index_version TEXT NOT NULL,
    created REAL NOT NULL               -- Unix seconds
);
CREATE INDEX IF NOT EXISTS answers_by_time ON answers (created);
CREATE TABLE IF NOT EXISTS feedback (
    answer_id TEXT PRIMARY KEY REFERENCES answers (id) ON DELETE CASCADE,  -- one rating per answer
    rating INTEGER NOT NULL CHECK (rating IN (-1, 1)),
    comment TEXT NOT NULL DEFAULT '',
    created REAL NOT NULL
);
"""
_COLUMNS = "id, question, standalone_question, answer, citations, abstained, backend, index_version, created"
_SELECT = f"""
SELECT {", ".join(f"a.{c}" for c in _COLUMNS.split(", "))}, f.rating, f.comment, f.created
FROM answers AS a LEFT JOIN feedback AS f ON f.answer_id = a.id
"""


class FeedbackStore:
    def __init__(self, path: Path, retention_days: int = 365, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self.retention_days = retention_days
        self.clock = clock
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self._purged = 0.0

    # -- writes --------------------------------------------------------------------------
    def add(self, record: AnswerRecord) -> None:
        """Store an answer (once: a second add of the same id changes nothing)."""
        with self._transaction() as db:
            _insert(db, record)

    def rate(self, answer_id: str, rating: int, comment: str, record: AnswerRecord | None = None) -> bool:
        """Store a rating of an answer, replacing an earlier one, with the answer itself when
        given (held in memory until now): one transaction. False when no such answer is stored."""
        if record is None and self._connection is None and not self.path.exists():
            return False  # nothing stored yet: no file to create just to say so
        with self._transaction() as db:
            if record is not None:
                _insert(db, record)
            if db.execute("SELECT 1 FROM answers WHERE id = ?", (answer_id,)).fetchone() is None:
                return False
            db.execute(
                "INSERT INTO feedback (answer_id, rating, comment, created) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (answer_id) DO UPDATE SET "
                "rating = excluded.rating, comment = excluded.comment, created = excluded.created",
                (answer_id, rating, comment, self.clock()),
            )
        return True

    def withdraw(self, answer_id: str, keep_answer: bool) -> bool:
        """Delete an answer's rating and comment, and the answer too unless ``keep_answer``
        (questions are logged): one transaction. False when no such answer is stored."""
        if self._connection is None and not self.path.exists():
            return False  # nothing stored yet: no file to create just to say so
        with self._transaction() as db:
            if db.execute("SELECT 1 FROM answers WHERE id = ?", (answer_id,)).fetchone() is None:
                return False
            db.execute("DELETE FROM feedback WHERE answer_id = ?", (answer_id,))
            if not keep_answer:
                db.execute("DELETE FROM answers WHERE id = ?", (answer_id,))
        return True

    def purge(self) -> int:
        """Delete what is older than the retention period; how many answers went."""
        with self._transaction(purge=False) as db:
            return self._purge(db)

    # -- reads ---------------------------------------------------------------------------
    def get(self, answer_id: str) -> StoredAnswer | None:
        rows = self._read(_SELECT + "WHERE a.id = ?", (answer_id,))
        return rows[0] if rows else None

    def flagged(self) -> list[StoredAnswer]:
        """Answers that abstained or were down-voted, oldest first."""
        return self._read(_SELECT + "WHERE a.abstained = 1 OR f.rating = -1 ORDER BY a.created, a.id", ())

    def all(self) -> list[StoredAnswer]:
        return self._read(_SELECT + "ORDER BY a.created, a.id", ())

    def close(self) -> None:
        """Close the file (the WAL is folded back into it); a later call opens it again."""
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    # -- parts ---------------------------------------------------------------------------
    def _read(self, sql: str, parameters: tuple) -> list[StoredAnswer]:
        if self._connection is None and not self.path.exists():
            return []
        with self._lock:
            try:
                rows = self._open().execute(sql, parameters).fetchall()
            except sqlite3.Error as error:
                raise self._failed("read", error) from error
        return [_stored(row) for row in rows]

    @contextmanager
    def _transaction(self, purge: bool = True) -> Iterator[sqlite3.Connection]:
        """One write transaction, committed (to disk: synchronous=FULL) before this returns."""
        with self._lock:
            try:
                db = self._open()
                db.execute("BEGIN IMMEDIATE")
                try:
                    if purge and self.clock() - self._purged >= PURGE_EVERY_S:
                        self._purge(db)
                    yield db
                except BaseException:
                    if db.in_transaction:  # SQLite rolls some failures (a full disk) back itself
                        db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
            except sqlite3.Error as error:
                raise self._failed("write to", error) from error

    def _open(self) -> sqlite3.Connection:
        if self._connection is not None:
            return self._connection
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise self._failed("create", error) from error
        # isolation_level=None: no implicit transactions, each one is begun and committed here.
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_S)
        try:
            if db.execute("PRAGMA journal_mode=WAL").fetchone()[0].lower() != "wal":
                raise sqlite3.OperationalError("the file system does not support SQLite's WAL journal")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA foreign_keys=ON")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise sqlite3.DatabaseError(f"written by a newer version of the assistant (schema {version})")
            db.executescript(_SCHEMA)
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            db.execute("BEGIN IMMEDIATE")
            self._purge(db)
            db.execute("COMMIT")
        except BaseException:
            db.close()
            raise
        self._connection = db
        return db

    def _purge(self, db: sqlite3.Connection) -> int:
        now = self.clock()
        self._purged = now
        if self.retention_days <= 0:
            return 0
        cutoff = now - self.retention_days * 86_400
        db.execute("DELETE FROM feedback WHERE answer_id IN (SELECT id FROM answers WHERE created < ?)", (cutoff,))
        return db.execute("DELETE FROM answers WHERE created < ?", (cutoff,)).rowcount

    def _failed(self, doing: str, error: Exception) -> DataFolderError:
        return DataFolderError(f"cannot {doing} the feedback store {self.path}: {error}")


def _insert(db: sqlite3.Connection, record: AnswerRecord) -> None:
    db.execute(
        f"INSERT INTO answers ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
        (
            record.id,
            record.question,
            record.standalone_question,
            record.answer,
            record.citations,
            int(record.abstained),
            record.backend,
            record.index_version,
            record.created,
        ),
    )


def _stored(row: tuple) -> StoredAnswer:
    *answer, rating, comment, rated = row
    fields = dict(zip(_COLUMNS.split(", "), answer, strict=True))
    fields["abstained"] = bool(fields["abstained"])
    return StoredAnswer(AnswerRecord(**fields), rating, comment or "", rated)
