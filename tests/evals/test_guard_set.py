"""The guard's labelled set: enough candidates of every kind in both halves, each citing words
the article really holds; and the guard measured on it against the thresholds, as
`assistant eval` reports it."""

from __future__ import annotations

from collections import Counter

import pytest

from evals.dataset import load_cases
from evals.guard_eval import measure_guard
from evals.guard_set import FAITHFUL_KINDS, WRONG_KINDS, load_candidates
from evals.split import SPLITS
from evals.thresholds import check


def test_at_least_300_candidates_of_every_kind_in_both_halves():
    candidates = load_candidates()
    assert len(candidates) >= 300 and len({c.id for c in candidates}) == len(candidates)
    for split in SPLITS:
        kinds = Counter(c.kind for c in candidates if c.split == split)
        assert set(kinds) == set(FAITHFUL_KINDS + WRONG_KINDS), (
            f"{split} lacks {set(FAITHFUL_KINDS + WRONG_KINDS) - set(kinds)}"
        )
        faithful = sum(kinds[k] for k in FAITHFUL_KINDS)
        assert faithful >= 60 and sum(kinds.values()) - faithful >= 60


def test_every_gold_item_has_faithful_and_wrong_candidates_and_shares_its_split():
    gold = {c.item: c.split for c in load_cases() if c.category == "gold"}
    candidates = load_candidates()
    for item, split in gold.items():
        mine = [c for c in candidates if c.item == item]
        assert sum(c.faithful for c in mine) >= 3 and sum(not c.faithful for c in mine) >= 3, item
        assert {c.split for c in mine} == {split}, item


def test_duplicates_name_the_quote_they_repeat():
    assert all(c.quoted for c in load_candidates() if c.kind == "duplicate")


@pytest.mark.integration
def test_every_candidate_cites_words_of_one_paragraph_of_the_cleaned_article(cleaned_article):
    paragraphs = [p for p in cleaned_article.split("\n\n") if p.strip()]
    for candidate in load_candidates():
        for words in filter(None, (candidate.cites, candidate.quoted)):
            assert sum(words in p for p in paragraphs) >= 1, f"{candidate.id}: {words!r}"


@pytest.mark.integration
def test_the_guard_holds_its_bars_on_the_locked_half(make_service):
    """The figures `assistant eval` reports under "The guard" (the same for every backend: no
    LLM is asked), against evals/thresholds.yaml's `guard` bars and known gaps."""
    measured = measure_guard(make_service(), {"locked"})
    assert set(measured.splits) == {"locked"}
    locked = measured.splits["locked"]
    verdicts = check(locked, None)
    assert len(verdicts) >= 10
    assert not [v for v in verdicts if v.blocks_ci], [(v.metric, v.value, v.bar) for v in verdicts if v.blocks_ci]
    # The kinds the guard rejects by structure, whole: never one accepted.
    for kind in ("other_section", "premise", "echo", "outside", "duplicate"):
        assert locked[f"guard_accepted_{kind}"] == 0, [
            r.candidate.sentence for r in measured.wrong_accepted("locked") if r.candidate.kind == kind
        ]
