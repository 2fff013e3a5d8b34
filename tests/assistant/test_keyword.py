"""The BM25 keyword retriever: LangChain's standard retriever tests, and its scores against a
small corpus worked out by hand with BM25Okapi's formula (k1=1.5, b=0.75, idf floor 0.25).

(That it ranks the real article's chunks exactly as langchain-community's BM25Retriever over
rank-bm25 did was measured once, on every question of evals/, before those packages were
dropped: the score arrays were bit-identical.)
"""

from __future__ import annotations

import math

import pytest
from langchain_core.documents import Document
from langchain_tests.integration_tests import RetrieversIntegrationTests

from assistant.keyword import BM25Retriever, okapi_idf
from assistant.terms import terms

ARTICLE_LINES = [
    "Staff engineers lead technical direction across teams.",
    "Engineering managers grow people and run the team.",
    "Product managers decide what to build and why.",
    "Promotion to staff level needs scope beyond your own team.",
    "Many companies need more managers than staff engineers.",
]


class TestBM25RetrieverStandard(RetrieversIntegrationTests):
    @property
    def retriever_constructor(self) -> type[BM25Retriever]:
        return BM25Retriever

    @property
    def retriever_constructor_params(self) -> dict:
        documents = [Document(id=str(i), page_content=text) for i, text in enumerate(ARTICLE_LINES)]
        return {"documents": documents, "tokenizer": terms}

    @property
    def retriever_query_example(self) -> str:
        return "how do staff engineers get promoted?"


# The hand-worked corpus, tokenised by white space. N = 4, average length 8/4 = 2.
#   document frequency: apple 1, banana 3, cherry 2, date 1
#   idf = ln((N - df + 0.5) / (df + 0.5)): apple = date = ln(7/3), cherry = ln(1) = 0,
#   banana = ln(3/7) < 0, so it gets the floor 0.25 * mean idf = 0.25 * ln(7/3) / 4 = ln(7/3) / 16
#   tf part = tf * 2.5 / (tf + 1.5 * (0.25 + 0.75 * length / 2)):
#   length 3 -> tf / (tf + 2.0625) * 2.5, length 2 -> tf / (tf + 1.5) * 2.5
TEXTS = ["apple banana apple", "banana cherry", "banana date", "cherry"]
IDF = math.log(7 / 3)
FLOOR = IDF / 16


@pytest.fixture
def hand_worked() -> BM25Retriever:
    documents = [Document(id=f"d{i}", page_content=t, metadata={"n": i}) for i, t in enumerate(TEXTS)]
    return BM25Retriever(documents=documents, tokenizer=str.split, k=4)


def test_idf_is_okapi_with_a_floor_for_common_terms():
    assert okapi_idf([1, 3, 2, 1], 4) == pytest.approx([IDF, FLOOR, 0.0, IDF], rel=1e-12)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("apple", [IDF * 5 / 4.0625, 0, 0, 0]),  # tf 2 in a 3-word document
        ("banana", [FLOOR * 2.5 / 3.0625, FLOOR, FLOOR, 0]),  # the floored idf still counts
        ("cherry", [0, 0, 0, 0]),  # in half of the documents: idf 0, and it is not floored
        ("banana date", [FLOOR * 2.5 / 3.0625, FLOOR, FLOOR + IDF, 0]),
        ("apple apple", [2 * IDF * 5 / 4.0625, 0, 0, 0]),  # a repeated query term counts again
        ("durian", [0, 0, 0, 0]),
    ],
)
def test_scores_match_the_hand_worked_formula(hand_worked: BM25Retriever, query: str, expected: list[float]):
    assert hand_worked.get_scores(query).tolist() == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_documents_come_back_best_first_with_ids_and_metadata(hand_worked: BM25Retriever):
    found = hand_worked.invoke("banana date")
    assert [d.id for d in found] == ["d2", "d1", "d0", "d3"]
    assert [d.metadata["n"] for d in found] == [2, 1, 0, 3]
    assert [d.page_content for d in found] == ["banana date", "banana cherry", "apple banana apple", "cherry"]
    assert [d.id for d in hand_worked.invoke("banana date", k=2)] == ["d2", "d1"]
    ranked = hand_worked.ranked("banana date", 2)
    assert [(d.id, s) for d, s in ranked] == [("d2", pytest.approx(FLOOR + IDF)), ("d1", pytest.approx(FLOOR))]


def test_tied_documents_all_come_before_lower_scores(hand_worked: BM25Retriever):
    # d1 and d2 tie; in which order is NumPy's (rank-bm25's get_top_n sorts the same way).
    assert {d.id for d in hand_worked.invoke("banana", k=2)} == {"d1", "d2"}
    assert [d.id for d in hand_worked.invoke("banana")][2:] == ["d0", "d3"]


def test_pretokenised_documents_score_the_same_and_are_not_tokenised_again(hand_worked: BM25Retriever):
    seen: list[str] = []

    def tokenizer(text: str) -> list[str]:
        seen.append(text)
        return text.split()

    given = BM25Retriever(
        documents=hand_worked.documents, tokenizer=tokenizer, tokens=[t.split() for t in TEXTS], k=4
    )
    assert seen == []
    for query in ("apple", "banana date", "cherry"):
        assert given.get_scores(query).tolist() == hand_worked.get_scores(query).tolist()
    assert seen == ["apple", "banana date", "cherry"]


def test_a_corpus_without_terms_scores_zero_everywhere():
    documents = [Document(page_content="the and of"), Document(page_content="it is")]
    retriever = BM25Retriever(documents=documents, tokenizer=terms, k=5)
    assert retriever.get_scores("the career").tolist() == [0.0, 0.0]
    assert len(retriever.invoke("the career")) == 2


def test_bad_construction_is_refused():
    with pytest.raises(ValueError, match="at least one document"):
        BM25Retriever(documents=[])
    with pytest.raises(ValueError, match="1 token lists for 2 documents"):
        BM25Retriever(documents=[Document(page_content="a"), Document(page_content="b")], tokens=[["a"]])
    with pytest.raises(ValueError):
        BM25Retriever(documents=[Document(page_content="a")], k=0)


def test_the_private_bm25s_helper_takes_what_it_is_given():
    """Upstream behaviour pinned with bm25s==0.3.16: _OkapiIndex.build_index_from_ids calls
    bm25s.scoring._build_scores_and_indices_for_matrix (private: bm25s names
    build_index_from_ids as the method to override, and this helper does all of its work
    but the idf) with these keywords, and gets (data, rows, columns) back. An upgrade that
    renames or reshapes it fails here by name; the scores themselves are checked against
    the hand-worked formula above."""
    import inspect

    from bm25s.scoring import _build_scores_and_indices_for_matrix

    parameters = set(inspect.signature(_build_scores_and_indices_for_matrix).parameters)
    assert {
        "corpus_token_ids", "idf_array", "avg_doc_len", "doc_frequencies", "k1", "b", "delta",
        "nonoccurrence_array", "method", "dtype",
    } <= parameters
