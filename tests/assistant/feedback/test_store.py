"""The SQLite feedback store: durable settings, one rating per answer, retention, and no file
made by a lookup."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from assistant.errors import DataFolderError
from assistant.feedback import AnswerRecord, FeedbackStore
from assistant.feedback.store import PURGE_EVERY_S
from tests.assistant.feedback.answers import DAY, Clock, an_answer


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock):
    opened = FeedbackStore(tmp_path / "feedback.sqlite3", retention_days=30, clock=clock)
    yield opened
    opened.close()


def record(clock: Clock, question: str = "Should I become a manager?", **options) -> AnswerRecord:
    return AnswerRecord.of(an_answer(question, **options), clock())


def test_the_file_is_in_wal_mode_with_full_sync_and_the_schema(store, clock):
    store.add(record(clock))
    db = store._connection
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"answers", "feedback"}


def test_an_answer_and_its_rating_are_stored_as_given(store, clock):
    kept = record(clock, "Is PM a good move?")
    assert store.rate(kept.id, -1, "too vague", kept)

    stored = store.get(kept.id)
    assert stored.record == kept and (stored.rating, stored.comment, stored.rated) == (-1, "too vague", clock())
    assert stored.record.standalone_question == "Is product management a good move?"
    assert json.loads(stored.record.citations)[0]["section"] == "Management"
    assert stored.record.index_version == "v-1" and stored.record.backend == "extractive"


def test_a_second_rating_replaces_the_first(store, clock):
    kept = record(clock)
    store.rate(kept.id, 1, "", kept)
    clock.advance(60)
    store.rate(kept.id, -1, "on second thought, wrong", kept)

    [stored] = store.all()
    assert (stored.rating, stored.comment, stored.rated) == (-1, "on second thought, wrong", clock())
    assert store._connection.execute("SELECT count(*) FROM feedback").fetchone()[0] == 1


def test_a_rating_of_an_answer_not_stored_is_refused_and_writes_nothing(store, clock, tmp_path):
    assert not store.rate("0" * 32, 1, "")
    assert not (tmp_path / "feedback.sqlite3").exists()  # a lookup creates no file
    store.add(record(clock))
    assert not store.rate("0" * 32, 1, "")
    assert [s.rating for s in store.all()] == [None]


def test_flagged_holds_the_abstained_and_the_down_voted_oldest_first(store, clock):
    asked = []
    for question, abstained in (("liked", False), ("disliked", False), ("gap", True), ("plain", False)):
        asked.append(record(clock, question, abstained=abstained))
        clock.advance(1)
    liked, disliked, abstained, unrated = asked
    store.rate(liked.id, 1, "", liked)
    store.rate(disliked.id, -1, "", disliked)
    store.add(abstained)
    store.add(unrated)

    assert [(s.record.question, s.reason) for s in store.flagged()] == [
        ("disliked", "down-voted"),
        ("gap", "abstained"),
    ]


def test_retention_deletes_old_answers_with_their_ratings_at_open_and_hourly_on_writes(tmp_path, clock):
    path = tmp_path / "feedback.sqlite3"
    store = FeedbackStore(path, retention_days=30, clock=clock)
    old = record(clock, "old")
    store.rate(old.id, -1, "", old)
    clock.advance(20 * DAY)
    recent = record(clock, "recent")
    store.rate(recent.id, 1, "", recent)
    store.close()

    clock.advance(11 * DAY)  # the first is 31 days old now
    reopened = FeedbackStore(path, retention_days=30, clock=clock)
    assert [s.record.question for s in reopened.all()] == ["recent"]  # gone at open
    assert reopened._connection.execute("SELECT count(*) FROM feedback").fetchone()[0] == 1

    clock.advance(20 * DAY)  # the second is 31 days old
    reopened.add(record(clock, "new"))
    assert [s.record.question for s in reopened.all()] == ["new"]  # gone with the next write

    clock.advance(30 * DAY - 600)  # "new" turns 30 days old 10 minutes after the next write
    reopened.add(record(clock, "newer"))
    clock.advance(1200)
    reopened.add(record(clock, "newest"))  # 20 minutes after the last purge: none yet
    assert [s.record.question for s in reopened.all()] == ["new", "newer", "newest"]
    clock.advance(PURGE_EVERY_S)
    reopened.add(record(clock, "latest"))
    assert [s.record.question for s in reopened.all()] == ["newer", "newest", "latest"]
    reopened.close()


def test_retention_zero_keeps_everything(tmp_path, clock):
    store = FeedbackStore(tmp_path / "f.sqlite3", retention_days=0, clock=clock)
    store.add(record(clock, "ancient"))
    clock.advance(10_000 * DAY)
    store.add(record(clock, "now"))
    assert store.purge() == 0 and len(store.all()) == 2
    store.close()


def test_a_store_that_cannot_be_written_says_which_file(tmp_path, clock):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    store = FeedbackStore(blocker / "feedback.sqlite3", clock=clock)
    with pytest.raises(DataFolderError, match="feedback store"):
        store.add(record(clock))


def test_a_newer_schema_is_not_touched(tmp_path, clock):
    path = tmp_path / "feedback.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version=99")
    with pytest.raises(DataFolderError, match="newer version"):
        FeedbackStore(path, clock=clock).add(record(clock))


def test_withdraw_deletes_the_rating_and_keeps_the_answer_only_when_asked(store, clock):
    logged, private = record(clock, "logged"), record(clock, "private")
    store.rate(logged.id, -1, "wrong", logged)
    store.rate(private.id, -1, "wrong too", private)

    assert store.withdraw(logged.id, keep_answer=True)
    assert store.withdraw(private.id, keep_answer=False)
    [kept] = store.all()
    assert kept.record == logged and (kept.rating, kept.comment, kept.rated) == (None, "", None)
    assert store.get(private.id) is None and store.flagged() == []
    assert store._connection.execute("SELECT count(*) FROM feedback").fetchone()[0] == 0


def test_withdraw_of_an_answer_not_stored_is_refused_and_writes_nothing(store, clock, tmp_path):
    assert not store.withdraw("0" * 32, keep_answer=False)
    assert not (tmp_path / "feedback.sqlite3").exists()
    store.add(record(clock))
    assert not store.withdraw("0" * 32, keep_answer=True)
    assert len(store.all()) == 1
