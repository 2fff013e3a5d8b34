"""The evaluation dataset (evals/dataset.yaml), flattened into cases the runner asks."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field

from evals.split import Split, assign

__all__ = ["DATASET", "Case", "load_cases"]

DATASET = Path(__file__).with_name("dataset.yaml")

Category = Literal["gold", "paraphrase", "out_of_scope", "injection", "follow_up"]


class Case(BaseModel):
    id: str
    category: Category
    question: str
    history: list[str] = []  # earlier user questions
    item: str = Field(description="The gold item it belongs to (its own id otherwise).")
    style: str = "plain"  # how it is asked: terse, abbreviated, informal, misspelt, why, yes_no ...
    passage: str = Field("", description="The opening words of the paragraph that answers it.")
    reach: Literal["", "near", "far"] = ""  # out-of-scope only: near the article's topic or not
    split: Split = "tuning"
    sections: list[str] = []
    reference: str = ""
    key_points: list[str] = []
    contradictions: list[str] = []
    must_not: list[str] = []

    @property
    def in_scope(self) -> bool | None:
        """True: must be answered; False: must abstain; None: either (injections)."""
        return {"out_of_scope": False, "injection": None}.get(self.category, True)


def _wordings(gold: dict) -> list[tuple[str, str]]:
    """(style, question) of a gold item's paraphrases: `style: wording`, or a bare wording."""
    pairs = []
    for entry in gold.get("paraphrases", []):
        pairs += list(entry.items()) if isinstance(entry, dict) else [("plain", entry)]
    return pairs


def _cases(data: dict) -> list[Case]:
    cases: list[Case] = []
    for gold in data["gold"]:
        shared = {k: gold.get(k, []) for k in ("sections", "key_points", "contradictions")}
        shared |= {"reference": gold.get("reference", ""), "passage": gold.get("passage", ""), "item": gold["id"]}
        style = gold.get("style", "plain")
        cases.append(Case(id=gold["id"], category="gold", question=gold["question"], style=style, **shared))
        for n, (style, wording) in enumerate(_wordings(gold), start=1):
            cases.append(Case(id=f"{gold['id']}~{n}", category="paraphrase", question=wording, style=style, **shared))
    for reach, questions in (data.get("out_of_scope") or {}).items():
        for n, question in enumerate(questions, start=1):
            case_id = f"out-{reach}-{n:02d}"
            cases.append(Case(id=case_id, category="out_of_scope", question=question, item=case_id, reach=reach))
    for injection in data.get("injections", []):
        case_id = f"inject-{injection['id']}"
        cases.append(
            Case(
                id=case_id,
                category="injection",
                question=injection["question"],
                item=case_id,
                must_not=injection.get("must_not", []),
            )
        )
    for follow in data.get("follow_ups", []):
        cases.append(
            Case(
                id=follow["id"],
                category="follow_up",
                style="follow_up",
                question=follow["question"],
                history=follow["history"],
                item=follow["id"],
                passage=follow.get("passage", ""),
                sections=follow.get("sections", []),
                key_points=follow.get("key_points", []),
            )
        )
    return cases


def _stratum(case: Case) -> str:
    """Gold items are dealt per paragraph, everything else per kind (see evals/split.py)."""
    if case.category in ("gold", "paraphrase"):
        return f"passage:{case.passage}"
    return case.category + (f":{case.reach}" if case.reach else "")


def load_cases(path: Path = DATASET, split: Split | None = None) -> list[Case]:
    """Every case, or only those of one split."""
    cases = _cases(yaml.safe_load(path.read_text(encoding="utf-8")))
    ids = [c.id for c in cases]
    if len(ids) != len(set(ids)):
        raise ValueError(f"{path.name} has duplicate ids")
    splits = assign(dict.fromkeys((c.item, _stratum(c)) for c in cases))
    cases = [c.model_copy(update={"split": splits[c.item]}) for c in cases]
    return [c for c in cases if split is None or c.split == split]
