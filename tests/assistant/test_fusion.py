"""Weighted reciprocal rank fusion against examples worked out by hand.

(Its equality with langchain-classic's EnsembleRetriever.weighted_reciprocal_rank was checked
once, on random rankings, before that package was dropped; these examples pin the same rules:
scores, dedup by content or id_key, first-met order for ties.)
"""

from __future__ import annotations

import pytest
from langchain_core.documents import Document

from assistant.fusion import reciprocal_rank_fusion


def doc(name: str, text: str | None = None, **metadata: str) -> Document:
    return Document(id=name, page_content=text or f"text of {name}", metadata=metadata)


A, B, C, D = doc("a"), doc("b"), doc("c"), doc("d")


def test_weighted_scores_order_the_union():
    # a: 0.6/61 + 0.4/62 = 0.016288   c: 0.6/63 + 0.4/61 = 0.016081
    # b: 0.6/62          = 0.009677   d: 0.4/63          = 0.006349
    fused = reciprocal_rank_fusion([[A, B, C], [C, A, D]], [0.6, 0.4])
    assert [d.id for d in fused] == ["a", "c", "b", "d"]


def test_weights_can_overturn_the_order():
    # With the keyword list weighing 0.9: c = 0.1/63 + 0.9/61 = 0.016341 beats a = 0.1/61 + 0.9/62 = 0.016155
    fused = reciprocal_rank_fusion([[A, B, C], [C, A, D]], [0.1, 0.9])
    assert [d.id for d in fused] == ["c", "a", "d", "b"]


def test_the_constant_c_weighs_top_ranks_against_agreement():
    # c=0:  a = c = 1/1 (a met first), b = 1/2 + 1/3 = 0.833, d = 1/2
    # c=60: b = 1/62 + 1/63 = 0.032002 leads a = c = 1/61 = 0.016393, then d = 1/62 = 0.016129
    rankings = [[A, B], [C, D, B]]
    assert [d.id for d in reciprocal_rank_fusion(rankings, [1.0, 1.0], c=0)] == ["a", "c", "b", "d"]
    assert [d.id for d in reciprocal_rank_fusion(rankings, [1.0, 1.0], c=60)] == ["b", "a", "c", "d"]


def test_ties_keep_the_order_in_which_documents_are_first_met():
    # a and b both score 0.5/61 + 0.5/62: the one met first, reading the lists in order, leads.
    assert [d.id for d in reciprocal_rank_fusion([[A, B], [B, A]], [0.5, 0.5])] == ["a", "b"]
    assert [d.id for d in reciprocal_rank_fusion([[B, A], [A, B]], [0.5, 0.5])] == ["b", "a"]
    # a and b tie at rank 1 of equally weighted lists, c and d at rank 2: a's and c's list comes first.
    assert [d.id for d in reciprocal_rank_fusion([[A, C], [B, D]], [1.0, 1.0])] == ["a", "b", "c", "d"]


def test_documents_with_equal_content_are_one_document_and_the_first_met_is_returned():
    dense_copy, keyword_copy = doc("x-dense", "same words"), doc("x-keyword", "same words")
    # x: 0.6/62 + 0.4/61 = 0.016235 beats a: 0.6/61 = 0.009836
    fused = reciprocal_rank_fusion([[A, dense_copy], [keyword_copy]], [0.6, 0.4])
    assert [d.id for d in fused] == ["x-dense", "a"]
    assert fused[0] is dense_copy


def test_id_key_names_the_metadata_that_identifies_a_document():
    first, second, third = doc("1", "one text", key="k"), doc("2", "another text", key="k"), doc("3", key="j")
    # k: 0.5/61 + 0.5/61 beats j: 0.5/62; the two texts keyed k are one document
    fused = reciprocal_rank_fusion([[first], [second, third]], [0.5, 0.5], id_key="key")
    assert fused == [first, third] and fused[0] is first
    with pytest.raises(KeyError):
        reciprocal_rank_fusion([[A]], [1.0], id_key="key")  # as EnsembleRetriever: the key must be there


def test_empty_rankings_fuse_to_nothing_and_weights_must_match():
    assert reciprocal_rank_fusion([[], []], [0.6, 0.4]) == []
    with pytest.raises(ValueError, match="2 rankings but 1 weights"):
        reciprocal_rank_fusion([[A], [B]], [1.0])
