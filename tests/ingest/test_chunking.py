import itertools
import re

import pytest

from ingest.blocks import parse_text
from ingest.document import prepare
from ingest.loaders import load_file
from tests.conftest import ARTICLE, CORPUS, DATA

SENTENCE = re.compile(r"(?<=[.!?])\s+")


def prepared(chunk_size: int = 1000, overlap: int = 200, path=ARTICLE, corpus=CORPUS):
    return prepare(load_file(path, corpus), chunk_size, overlap)


@pytest.mark.parametrize("chunk_size,overlap", [(1000, 200), (300, 80), (150, 40)])
def test_quote_at_offsets_is_the_chunk_text(chunk_size, overlap):
    document = prepared(chunk_size, overlap)
    assert document.chunks
    for chunk in document.chunks:
        meta = chunk.metadata
        assert document.cleaned_text[meta["start"] : meta["end"]] == chunk.page_content


@pytest.mark.parametrize("chunk_size,overlap", [(1000, 200), (300, 80)])
def test_no_sentence_is_lost_at_a_chunk_border(chunk_size, overlap):
    document = prepared(chunk_size, overlap)
    for paragraph in document.cleaned_text.split("\n\n"):
        for sentence in SENTENCE.split(paragraph):
            assert any(sentence in chunk.page_content for chunk in document.chunks), sentence


def test_split_chunks_overlap():
    document = prepared(300, 80)
    ordered = document.chunks
    same_section = [(a, b) for a, b in itertools.pairwise(ordered) if a.metadata["section"] == b.metadata["section"]]
    assert same_section
    # Overlap is made of whole sentences up to chunk_overlap characters, so not every border has one.
    assert any(b.metadata["start"] < a.metadata["end"] for a, b in same_section)


def test_chunks_carry_their_metadata():
    document = prepared()
    first = document.chunks[0].metadata
    assert first["source"] == "career-paths-beyond-senior-software-engineer.txt"
    assert first["title"] == "Career paths beyond senior software engineer"
    assert first["author"] == "Emma Tang"
    assert first["section"] == "Introduction"
    assert [c.metadata["ordinal"] for c in document.chunks] == list(range(len(document.chunks)))


def test_a_qa_pair_that_fits_is_one_chunk_holding_question_and_answer():
    document = prepared()
    chops = [c for c in document.chunks if "engineering chops" in c.metadata["question"]]
    assert len(chops) == 1
    text = chops[0].page_content
    assert text.startswith("I'm interested in Product but I'm worried about losing my engineering chops.")
    assert "there’s a good chance you will start losing your engineering ability" in text
    assert chops[0].metadata["section"] == "Q & A > " + chops[0].metadata["question"]


def test_a_long_qa_pair_splits_and_every_part_keeps_its_question():
    document = prepared()
    ic = [c for c in document.chunks if c.metadata["question"].startswith("I want to stay an IC")]
    assert len(ic) >= 2


def test_other_formats_chunk_with_exact_offsets(tmp_path):
    for name in ("interview-prep.md", "mentoring.html", "remote-work-notes.txt"):
        document = prepared(path=DATA / name, corpus=DATA)
        assert document.chunks, name
        for chunk in document.chunks:
            assert document.cleaned_text[chunk.metadata["start"] : chunk.metadata["end"]] == chunk.page_content


def test_parse_text_of_article_has_no_empty_blocks():
    assert all(b.text for b in parse_text(ARTICLE.read_text(encoding="utf-8")).blocks)
