"""The record of the last complete ingest: it vouches for one store file and one chunk set only."""

from __future__ import annotations

from ingest.record import IngestRecord


def make_record(tmp_path, model: str = "model/a") -> IngestRecord:
    store = tmp_path / "chroma"
    store.mkdir(exist_ok=True)
    (store / "chroma.sqlite3").touch()
    return IngestRecord(tmp_path / "ingest-record.json", store, "articles", model)


def test_a_saved_record_matches_its_version_only(tmp_path):
    record = make_record(tmp_path)
    assert not record.matches("v1")  # nothing saved yet
    record.save("v1")
    assert record.matches("v1") and not record.matches("v2") and not record.matches("")


def test_another_model_or_a_replaced_store_file_does_not_match(tmp_path):
    make_record(tmp_path).save("v1")
    assert not make_record(tmp_path, model="model/b").matches("v1")
    database = tmp_path / "chroma" / "chroma.sqlite3"
    replacement = tmp_path / "copy.sqlite3"
    replacement.touch()
    replacement.replace(database)  # a store folder restored from a copy: another inode
    assert not make_record(tmp_path).matches("v1")


def test_a_forgotten_damaged_or_storeless_record_does_not_match(tmp_path):
    record = make_record(tmp_path)
    record.save("v1")
    record.forget()
    assert not record.path.exists() and not record.matches("v1")
    record.save("v1")
    record.path.write_text("{not json", encoding="utf-8")
    assert not record.matches("v1")
    (tmp_path / "chroma" / "chroma.sqlite3").unlink()
    record.save("v1")  # no store to vouch for: nothing written
    assert not record.matches("v1")
