from pathlib import Path

import pytest

from ingest.loaders import CorpusFileError, discover, load_file
from tests.conftest import ARTICLE, CORPUS


def test_sidecar_metadata_is_read_and_the_article_kept_as_delivered():
    loaded = load_file(ARTICLE, CORPUS)
    assert loaded.metadata["title"] == "Career paths beyond senior software engineer"
    assert loaded.metadata["author"] == "Emma Tang"
    shared = Path(__file__).resolve().parents[3] / "shared" / "seeds" / ARTICLE.name
    if shared.exists():
        assert ARTICLE.read_bytes() == shared.read_bytes()


@pytest.mark.parametrize(
    "name,content,reason",
    [
        ("notes.pdf", b"%PDF-1.4", "unsupported file type '.pdf'"),
        ("empty.txt", b"  \n\n", "is empty"),
        ("image.txt", b"\x89PNG\x00\x00\x01", "binary"),
        ("latin.txt", "caf\xe9 au lait".encode("latin-1"), "not UTF-8"),
        ("README", b"hello", "unsupported file type '(none)'"),
    ],
)
def test_unusable_files_are_refused_by_name(tmp_path: Path, name: str, content: bytes, reason: str):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CorpusFileError) as caught:
        load_file(path, tmp_path)
    assert str(caught.value).startswith(f"{name}: ")
    assert reason in str(caught.value)


def test_discover_skips_hidden_files_and_sidecars_but_lists_unsupported_ones(tmp_path: Path):
    for name in ("a.txt", "a.meta.json", ".hidden.txt", "b.pdf"):
        (tmp_path / name).write_text("x")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "c.txt").write_text("x")
    assert [p.name for p in discover(tmp_path)] == ["a.txt", "b.pdf"]


def test_bad_sidecar_is_reported(tmp_path: Path):
    (tmp_path / "a.txt").write_text("Hello there.")
    (tmp_path / "a.meta.json").write_text("{not json")
    with pytest.raises(CorpusFileError, match="a.meta.json is not valid JSON"):
        load_file(tmp_path / "a.txt", tmp_path)
