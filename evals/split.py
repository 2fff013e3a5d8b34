"""The dataset's two splits: `tuning` (calibration and development may look at it) and
`locked` (only reported; the thresholds apply to it).

Deterministic and stratified: the units of a stratum (a paragraph's gold items; the
follow-ups; near, far out-of-scope questions; injections) are ordered by a seeded hash of
their id and dealt alternately, locked first. So each stratum with two or more units has
both splits, the halves differ by at most one per stratum, and nobody picks which question
is locked. All wordings of a gold item share its split: a paraphrase seen while tuning would
leak its item's answer into the locked numbers.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from typing import Literal

__all__ = ["SEED", "SPLITS", "Split", "assign"]

Split = Literal["tuning", "locked"]
SPLITS: tuple[Split, Split] = ("tuning", "locked")
# Changing the seed re-deals every stratum: the locked split is then no longer unseen.
SEED = "issue-10-locked-2026"


def _key(unit: str) -> str:
    return hashlib.sha256(f"{SEED}:{unit}".encode()).hexdigest()


def assign(units: Iterable[tuple[str, str]]) -> dict[str, Split]:
    """(unit id, stratum) pairs -> unit id -> split."""
    strata: dict[str, list[str]] = defaultdict(list)
    for unit, stratum in units:
        strata[stratum].append(unit)
    split: dict[str, Split] = {}
    for members in strata.values():
        for position, unit in enumerate(sorted(members, key=_key)):
            split[unit] = "locked" if position % 2 == 0 else "tuning"
    return split
