"""The dataset sees what users see: every paragraph of the article asked in several styles,
near-domain questions it does not answer, and two splits that both hold every paragraph,
style and kind of question."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest
import yaml

from evals.dataset import DATASET, load_cases
from evals.split import SPLITS, assign

IN_SCOPE_STYLES = {"plain", "terse", "abbreviated", "informal", "misspelt", "why", "yes_no", "follow_up"}


def paragraphs(article: str) -> list[str]:
    return [block for block in article.split("\n\n") if block.strip()]


def owner(paragraph_list: list[str], opening: str) -> int:
    hits = [i for i, p in enumerate(paragraph_list) if p.startswith(opening)]
    assert len(hits) == 1, f"{opening!r} opens {len(hits)} paragraphs"
    return hits[0]


@pytest.mark.integration
def test_every_paragraph_is_asked_three_ways_in_both_splits(cleaned_article):
    blocks = paragraphs(cleaned_article)
    skipped = {owner(blocks, opening) for opening in yaml.safe_load(DATASET.read_text())["not_asked"]}
    styles: dict[int, set[str]] = defaultdict(set)
    splits: dict[int, set[str]] = defaultdict(set)
    for case in load_cases():
        if case.in_scope:
            assert case.passage, f"{case.id} names no paragraph"
            index = owner(blocks, case.passage)
            styles[index].add(case.style)
            splits[index].add(case.split)
    for index, block in enumerate(blocks):
        if index in skipped:
            assert index not in styles, f"paragraph {index} is asked but listed in not_asked"
            continue
        assert len(styles[index]) >= 3, f"paragraph {index} ({block[:40]!r}) is asked in {styles[index]}"
        assert splits[index] == set(SPLITS), f"paragraph {index} ({block[:40]!r}) is only in {splits[index]}"


def test_styles_kinds_and_out_of_scope_reach():
    cases = load_cases()
    in_scope = [c for c in cases if c.in_scope]
    assert {c.style for c in in_scope} >= IN_SCOPE_STYLES
    for split in SPLITS:
        present = {c.style for c in in_scope if c.split == split}
        assert present >= IN_SCOPE_STYLES, f"{split} lacks {IN_SCOPE_STYLES - present}"
        kinds = Counter(c.category + c.reach for c in cases if c.split == split)
        assert {"gold", "paraphrase", "follow_up", "out_of_scopenear", "out_of_scopefar", "injection"} <= set(kinds)
    reach = Counter(c.reach for c in cases if c.category == "out_of_scope")
    assert reach["near"] >= 40 and reach["far"] >= 5
    for case in in_scope:
        assert case.sections and case.key_points, case.id
        assert not case.history or case.category == "follow_up"


def test_splits_are_halves_and_items_never_straddle_them():
    cases = load_cases()
    sizes = Counter(c.split for c in cases)
    assert abs(sizes["tuning"] - sizes["locked"]) <= 0.1 * len(cases)
    assert len({(c.item, c.split) for c in cases}) == len({c.item for c in cases})
    assert load_cases(split="locked") == [c for c in cases if c.split == "locked"]
    assert [c.split for c in load_cases()] == [c.split for c in cases]  # deterministic


def test_assign_deals_each_stratum_alternately():
    units = [(f"u{i}", "a") for i in range(5)] + [("v1", "b"), ("v2", "b")]
    dealt = assign(units)
    assert Counter(dealt[f"u{i}"] for i in range(5)) == {"locked": 3, "tuning": 2}
    assert {dealt["v1"], dealt["v2"]} == set(SPLITS)
    assert assign(list(reversed(units))) == dealt  # the order of the file does not matter
