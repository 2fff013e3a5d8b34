"""The sentence-vector cache: what quotes, the guard and the abstention rule compare with."""

from __future__ import annotations

import pytest

from assistant.evidence import EvidenceCache, PassageEvidence
from assistant.retrieval import Passage
from tests.fakes import HashingEmbeddings


class CountingEmbed:
    """An embed function that records each call's texts."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.inner = HashingEmbeddings()

    def __call__(self, texts: list[str]) -> list[list[float]]:
        self.calls.append(list(texts))
        return self.inner.embed_documents(texts)


def passage(chunk_id: str, text: str, start: int = 0) -> Passage:
    return Passage(chunk_id, text, {"section": "Notes", "start": start, "end": start + len(text)}, 0.5)


PASSAGES = [
    passage("a", "Staff engineers go deep. They set the technical direction.", 0),
    passage("b", "Managers grow people. They hire and run teams.", 100),
    passage("c", "", 200),  # a passage with no sentence at all
]


def test_uncached_passages_are_embedded_together_in_one_call():
    embed = CountingEmbed()
    cache = EvidenceCache(embed)
    filled = cache.fill(PASSAGES)
    assert len(embed.calls) == 1
    assert [[e.text for e, _ in pairs] for pairs in filled] == [
        ["Staff engineers go deep.", "They set the technical direction.", PASSAGES[0].text],
        ["Managers grow people.", "They hire and run teams.", PASSAGES[1].text],
        [],
    ]
    assert filled[1][0][0].start == 100  # offsets are absolute


def test_only_single_sentences_are_embedded_and_a_pair_is_their_weighted_mean():
    embed = CountingEmbed()
    (pairs,) = EvidenceCache(embed).fill(PASSAGES[:1])
    assert embed.calls == [["Staff engineers go deep.", "They set the technical direction."]]
    (first, a), (second, b), (pair, both) = pairs
    assert not pair.single and pair.text == PASSAGES[0].text
    summed = [len(first.text) * x + len(second.text) * y for x, y in zip(a, b, strict=True)]
    norm = sum(x * x for x in summed) ** 0.5
    assert both == pytest.approx([x / norm for x in summed])


def test_cached_passages_are_not_embedded_again():
    embed = CountingEmbed()
    cache = EvidenceCache(embed)
    cache.fill(PASSAGES[:1])
    evidence = PassageEvidence(PASSAGES, cache)
    assert len(embed.calls) == 2 and "Staff engineers go deep." not in embed.calls[1]
    assert [e.passage for pairs in evidence.by_passage for e, _ in pairs] == [0, 0, 0, 1, 1, 1]
    cache.fill(PASSAGES)
    assert len(embed.calls) == 2


def test_the_cache_forgets_the_least_recently_used_beyond_its_size():
    embed = CountingEmbed()
    cache = EvidenceCache(embed, size=2)
    cache.fill(PASSAGES[:2])
    cache.get(PASSAGES[0])  # now the most recent
    cache.get(passage("d", "Product managers own the roadmap.", 300))  # evicts b
    cache.fill(PASSAGES[:1])
    assert len(embed.calls) == 2  # a was kept; only d was new
    cache.get(PASSAGES[1])
    assert len(embed.calls) == 3
