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


# -- what lies outside the corpus folder (issue 11, item 6) ---------------------------------
@pytest.fixture
def corpus_and_outside(tmp_path: Path) -> tuple[Path, Path]:
    corpus, outside = tmp_path / "corpus", tmp_path / "outside"
    corpus.mkdir()
    outside.mkdir()
    (corpus / "a.txt").write_text("An article inside the corpus.")
    (outside / "secret.txt").write_text("Not part of the corpus.")
    return corpus, outside


def test_a_link_to_a_file_outside_the_corpus_is_refused_by_the_links_name(corpus_and_outside):
    corpus, outside = corpus_and_outside
    (corpus / "escape.txt").symlink_to(outside / "secret.txt")
    with pytest.raises(CorpusFileError) as caught:
        load_file(corpus / "escape.txt", corpus)
    assert caught.value.source == "escape.txt"
    assert "outside the corpus folder" in caught.value.reason
    assert str(outside) not in str(caught.value)


def test_a_link_to_a_folder_outside_is_listed_unexpanded_and_refused(corpus_and_outside):
    corpus, outside = corpus_and_outside
    (corpus / "elsewhere").symlink_to(outside, target_is_directory=True)
    found = discover(corpus)
    assert found == [corpus / "a.txt", corpus / "elsewhere"]  # not elsewhere/secret.txt
    with pytest.raises(CorpusFileError, match="^elsewhere: .*outside the corpus folder"):
        load_file(corpus / "elsewhere", corpus)


def test_a_chain_of_links_that_ends_outside_is_refused(corpus_and_outside):
    corpus, outside = corpus_and_outside
    (corpus / "hop.txt").symlink_to(outside / "secret.txt")
    (corpus / "start.txt").symlink_to(corpus / "hop.txt")
    with pytest.raises(CorpusFileError, match="^start.txt: .*outside the corpus folder"):
        load_file(corpus / "start.txt", corpus)


def test_a_link_inside_the_corpus_is_followed_under_its_own_name(corpus_and_outside):
    corpus, _ = corpus_and_outside
    (corpus / ".shared").mkdir()
    (corpus / ".shared" / "guide.md").write_text("# Guide\n\nShared text.")
    (corpus / "guide.md").symlink_to(Path(".shared") / "guide.md")  # a relative link
    (corpus / "again").symlink_to(corpus, target_is_directory=True)  # a loop: never descended
    assert discover(corpus) == [corpus / "a.txt", corpus / "guide.md"]
    loaded = load_file(corpus / "guide.md", corpus)
    assert loaded.source == "guide.md"
    assert "Shared text." in loaded.parsed.blocks[-1].text


def test_a_loop_of_links_is_refused_by_name(corpus_and_outside):
    corpus, _ = corpus_and_outside
    (corpus / "x.txt").symlink_to(corpus / "y.txt")
    (corpus / "y.txt").symlink_to(corpus / "x.txt")
    with pytest.raises(CorpusFileError, match="^x.txt: "):
        load_file(corpus / "x.txt", corpus)


@pytest.mark.parametrize("given", ["outside/secret.txt", "outside", "corpus/../outside/secret.txt"])
def test_a_given_path_outside_the_corpus_is_refused_as_given(corpus_and_outside, given: str):
    corpus, _ = corpus_and_outside
    path = corpus.parent / given
    assert discover(corpus, [path]) == [path]  # a folder outside is not expanded
    with pytest.raises(CorpusFileError) as caught:
        load_file(path, corpus)
    assert caught.value.source == str(path)
    assert "is outside the corpus folder" in caught.value.reason


def test_a_given_path_inside_gets_its_corpus_relative_name(corpus_and_outside, monkeypatch):
    corpus, _ = corpus_and_outside
    monkeypatch.chdir(corpus.parent)
    assert load_file(Path("corpus/a.txt"), Path("corpus")).source == "a.txt"
    assert load_file(corpus / "a.txt", Path("corpus")).source == "a.txt"


def test_a_linked_corpus_folder_still_names_files_relative_to_it(corpus_and_outside):
    corpus, _ = corpus_and_outside
    alias = corpus.parent / "alias"
    alias.symlink_to(corpus, target_is_directory=True)
    assert [load_file(p, alias).source for p in discover(alias)] == ["a.txt"]


def test_a_metadata_file_linking_outside_is_refused(corpus_and_outside):
    corpus, outside = corpus_and_outside
    (outside / "meta.json").write_text('{"title": "Stolen"}')
    (corpus / "a.meta.json").symlink_to(outside / "meta.json")
    with pytest.raises(CorpusFileError, match="^a.txt: its metadata file a.meta.json is a link"):
        load_file(corpus / "a.txt", corpus)


# -- size limit (issue 11, item 12) -------------------------------------------------------
def test_a_file_over_the_limit_is_refused_unread_naming_the_setting(tmp_path: Path, monkeypatch):
    path = tmp_path / "huge.txt"
    path.write_text("word " * 2_100)  # 10,500 bytes
    opened: list[Path] = []
    real_open = Path.open
    monkeypatch.setattr(Path, "open", lambda self, *a, **k: opened.append(self) or real_open(self, *a, **k))
    with pytest.raises(CorpusFileError) as caught:
        load_file(path, tmp_path, max_bytes=10_000)
    assert caught.value.source == "huge.txt"
    assert "10,500 bytes" in caught.value.reason and "10,000" in caught.value.reason
    assert "ASSISTANT_MAX_FILE_BYTES" in caught.value.reason
    assert path not in opened  # refused on its size, before reading
    assert load_file(path, tmp_path, max_bytes=20_000).source == "huge.txt"


def test_the_default_limit_is_the_settings_default():
    from assistant.settings import Settings
    from ingest.loaders import MAX_FILE_BYTES

    assert Settings(_env_file=None).max_file_bytes == MAX_FILE_BYTES == 5_000_000


def test_what_is_not_a_regular_file_is_refused_before_it_is_opened(tmp_path: Path):
    # A folder stands in for a FIFO here: both fail the same stat() check, and a FIFO would
    # hang the test on a regression.
    (tmp_path / "notes.txt").mkdir()
    with pytest.raises(CorpusFileError, match="^notes.txt: is not a regular file"):
        load_file(tmp_path / "notes.txt", tmp_path)
