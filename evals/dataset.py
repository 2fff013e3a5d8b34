"""The evaluation dataset (evals/dataset.yaml), flattened into cases the runner asks."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field

__all__ = ["DATASET", "Case", "load_cases"]

DATASET = Path(__file__).with_name("dataset.yaml")

Category = Literal["gold", "paraphrase", "out_of_scope", "injection", "follow_up"]


class Case(BaseModel):
    id: str
    category: Category
    question: str
    history: list[str] = []  # earlier user questions
    item: str = Field(description="The gold item it belongs to (its own id otherwise).")
    sections: list[str] = []
    reference: str = ""
    key_points: list[str] = []
    contradictions: list[str] = []
    must_not: list[str] = []

    @property
    def in_scope(self) -> bool | None:
        """True: must be answered; False: must abstain; None: either (injections)."""
        return {"out_of_scope": False, "injection": None}.get(self.category, True)


def load_cases(path: Path = DATASET) -> list[Case]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    cases: list[Case] = []
    for gold in data["gold"]:
        shared = {k: gold.get(k, []) for k in ("sections", "key_points", "contradictions")}
        shared["reference"] = gold.get("reference", "")
        cases.append(Case(id=gold["id"], category="gold", question=gold["question"], item=gold["id"], **shared))
        for n, paraphrase in enumerate(gold.get("paraphrases", []), start=1):
            cases.append(
                Case(id=f"{gold['id']}~{n}", category="paraphrase", question=paraphrase, item=gold["id"], **shared)
            )
    for n, question in enumerate(data.get("out_of_scope", []), start=1):
        cases.append(Case(id=f"out-{n:02d}", category="out_of_scope", question=question, item=f"out-{n:02d}"))
    for injection in data.get("injections", []):
        cases.append(
            Case(
                id=f"inject-{injection['id']}",
                category="injection",
                question=injection["question"],
                item=f"inject-{injection['id']}",
                must_not=injection.get("must_not", []),
            )
        )
    for follow in data.get("follow_ups", []):
        cases.append(
            Case(
                id=follow["id"],
                category="follow_up",
                question=follow["question"],
                history=follow["history"],
                item=follow["id"],
                sections=follow.get("sections", []),
                key_points=follow.get("key_points", []),
            )
        )
    ids = [c.id for c in cases]
    if len(ids) != len(set(ids)):
        raise ValueError("evals/dataset.yaml has duplicate ids")
    return cases
