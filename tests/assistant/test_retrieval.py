"""Hybrid retrieval over a real Chroma store with the fake embeddings: the logic, not the model."""

from __future__ import annotations

import pytest
from langchain_core.documents import Document

from assistant.composition import build_retriever, build_store
from assistant.errors import IndexMissingError
from assistant.retrieval import HybridRetriever
from assistant.settings import Settings
from tests.fakes import HashingEmbeddings

pytestmark = pytest.mark.integration


def test_passages_come_best_first_with_their_cosine_and_without_near_duplicates(fake_retriever):
    passages = fake_retriever.retrieve("Do staff engineers only write code?", 6)
    assert len(passages) == 6 and len({p.chunk_id for p in passages}) == 6
    assert passages[0].section == "Q & A > Myths about staff-level engineers"
    for passage in passages:
        assert -1.0 <= passage.score <= 1.0 and passage.text == fake_retriever.documents[passage.chunk_id].page_content
    spans = [(p.start, p.end) for p in passages]
    for i, (a, b) in enumerate(spans):  # no kept chunk shares more than half its span with another
        for c, d in spans[i + 1 :]:
            assert min(b, d) - max(a, c) <= 0.5 * min(b - a, d - c)


def test_keywords_find_a_chunk_that_dense_search_ranks_low(fake_retriever):
    """A rare exact word is BM25's job: the fusion keeps it near the top."""
    keyword_only = fake_retriever.keyword.invoke("defensible")
    assert keyword_only and "defensible" in keyword_only[0].page_content
    top = fake_retriever.retrieve("defensible", 2)
    assert any("defensible" in p.text for p in top)


def test_rare_terms_weigh_more_than_common_ones(fake_retriever):
    assert fake_retriever.idf("money") > fake_retriever.idf("engin")
    assert fake_retriever.idf("never-seen-term") >= fake_retriever.idf("money")


def test_best_score_is_the_nearest_chunk_s_cosine(fake_retriever):
    question = "Do staff engineers only write code?"
    nearest = fake_retriever.best_score(question)
    assert nearest == pytest.approx(max(fake_retriever.similarity(question, list(fake_retriever.documents)).values()), abs=1e-4)


def test_an_empty_index_is_index_missing(tmp_path):
    settings = Settings(_env_file=None, data_dir=tmp_path / "data")
    with pytest.raises(IndexMissingError, match="assistant ingest"):
        build_retriever(settings, HashingEmbeddings())


def test_chunks_of_two_sources_with_the_same_text_are_one_passage(tmp_path):
    embeddings = HashingEmbeddings()
    store = build_store(Settings(_env_file=None, data_dir=tmp_path / "data"), embeddings)
    text = "Staff engineers set the technical direction of a group of teams."
    for source in ("a.txt", "b.txt"):
        chunk = Document(page_content=text, metadata={"source": source, "section": "S", "start": 0, "end": len(text), "ordinal": 0})
        store.sync_source(source, [chunk])
    passages = HybridRetriever(store).retrieve("technical direction", 4)
    assert len(passages) == 1


def test_the_exact_dense_search_ranks_as_chroma_does(fake_retriever):
    """The snapshot's own search agrees with Chroma's query on the same vectors."""
    for question in ("Do staff engineers only write code?", "What does a product manager do?", "defensible moat"):
        vector = fake_retriever.query_vector(question)
        chroma = fake_retriever.store.vectorstore.similarity_search_by_vector(vector, k=fake_retriever.fetch_k)
        assert [d.id for d in fake_retriever._dense(question)] == [d.id for d in chroma], question


def test_a_snapshot_stays_whole_while_an_ingest_changes_the_store_and_reopens_to_the_new_version(tmp_path, corpus):
    from assistant.composition import build_ingestor

    settings = Settings(_env_file=None, data_dir=tmp_path / "data", corpus_dir=corpus)
    store = build_store(settings, HashingEmbeddings())
    first_version = build_ingestor(settings, store).run().index_version
    old = HybridRetriever(build_store(settings, HashingEmbeddings()))
    question = "Do staff engineers only write code?"
    before = old.retrieve(question, 4)
    assert old.version == first_version

    article = next(corpus.glob("*.txt"))
    text = article.read_text(encoding="utf-8")
    article.write_text(text.replace("ask for a raise!", "ask for a raise and a sabbatical!"), encoding="utf-8")
    report = build_ingestor(settings, store).run()
    assert report.total("removed") >= 1 and report.index_version != first_version
    assert not {p.chunk_id for p in before} <= {d.id for d in store.documents()}  # some are gone from the store

    assert old.retrieve(question, 4) == before  # the old snapshot answers as before
    new = old.reopened()
    assert new.version == report.index_version == store.version()
    assert "sabbatical" in new.retrieve(question, 1)[0].text


def test_nearest_ranks_chunks_by_cosine_to_a_vector(fake_retriever):
    """For a vector that is no question's (assistant.gaps: a group's centroid, not of length 1)."""
    chunk = list(fake_retriever.documents.values())[3]
    vector = fake_retriever.query_vector(chunk.page_content)
    nearest = fake_retriever.nearest([2.0 * x for x in vector], 5)
    assert nearest[0].chunk_id == chunk.id and nearest[0].score == pytest.approx(1.0, abs=1e-3)
    assert [p.score for p in nearest] == sorted((p.score for p in nearest), reverse=True) and len(nearest) == 5
    assert len(fake_retriever.nearest(vector, 10_000)) == fake_retriever.chunk_count
