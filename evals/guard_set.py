"""The guard's labelled set (evals/guard_set.yaml): candidate answer sentences, each with the
verdict a careful reader gives it, for the dataset's questions.

Each candidate belongs to a gold item of evals/dataset.yaml and shares its split, so the
guard is tuned on the tuning half and only reported on the locked half, like the answers.
Its kind says what it is: a faithful restatement of the passage it cites (the guard must
accept it) or one kind of wrong sentence (it must reject it).
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel

from evals.dataset import load_cases
from evals.split import Split

__all__ = ["FAITHFUL_KINDS", "GUARD_SET", "WRONG_KINDS", "Candidate", "load_candidates"]

GUARD_SET = Path(__file__).with_name("guard_set.yaml")

FAITHFUL_KINDS = ("paraphrase", "paraphrase_long", "yes_no", "combined")
WRONG_KINDS = (
    "contradiction",
    "reversal",
    "near_miss",
    "invented",
    "other_section",
    "premise",
    "garbled",
    "echo",
    "fragment",
    "outside",
    "injection",
    "duplicate",
)


class Candidate(BaseModel):
    id: str  # item#n
    item: str  # the gold item of evals/dataset.yaml
    kind: str
    sentence: str  # as the model wrote it, markers taken off
    cites: str  # words of the passage the sentence names as its source (its marker)
    question: str  # the item's question unless the candidate carries its own
    quoted: str = ""  # a sentence the answer quoted just before (a duplicate repeats it)
    split: Split = "tuning"

    @property
    def faithful(self) -> bool:
        """The verdict expected of the guard: accept (True) or reject (False)."""
        return self.kind in FAITHFUL_KINDS


def load_candidates(path: Path = GUARD_SET, split: Split | None = None) -> list[Candidate]:
    """Every candidate, or those of one split."""
    gold = {c.item: c for c in load_cases() if c.category == "gold"}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    candidates = []
    for item, entries in data.items():
        if item not in gold:
            raise ValueError(f"{path.name}: {item!r} is no gold item of the dataset")
        for n, entry in enumerate(entries, start=1):
            kind = entry["kind"]
            if kind not in FAITHFUL_KINDS + WRONG_KINDS:
                raise ValueError(f"{path.name}: {item}#{n} has an unknown kind {kind!r}")
            candidates.append(
                Candidate(
                    id=f"{item}#{n}",
                    item=item,
                    kind=kind,
                    sentence=entry["sentence"],
                    cites=entry["cites"],
                    question=entry.get("question") or gold[item].question,
                    quoted=entry.get("quoted", ""),
                    split=gold[item].split,
                )
            )
    return [c for c in candidates if split is None or c.split == split]
