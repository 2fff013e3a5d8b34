"""Compare metrics with evals/thresholds.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

__all__ = ["THRESHOLDS", "Verdict", "check"]

THRESHOLDS = Path(__file__).with_name("thresholds.yaml")


@dataclass
class Verdict:
    metric: str
    value: float
    bar: str
    status: str  # pass | fail | known gap | regression
    note: str = ""

    @property
    def blocks_ci(self) -> bool:
        return self.status in ("fail", "regression")


def check(metrics: dict[str, float], backend: str | None, path: Path = THRESHOLDS) -> list[Verdict]:
    """backend: the kind (embedded, gguf, openai, extractive); a kind without bars is unchecked.
    The `guard` bars hold for every backend (None: them alone), when the guard was measured
    (its metrics given)."""
    table = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    guard = {m: rule for m, rule in (table.get("guard") or {}).items() if m in metrics}
    verdicts = []
    for metric, rule in ((table.get(backend or "") or {}) | guard).items():
        value = metrics[metric]
        if "min" in rule:
            bar, ok = f">= {rule['min']}", value >= rule["min"]
        else:
            bar, ok = f"<= {rule['max']}", value <= rule["max"]
        status, note = ("pass" if ok else "fail"), ""
        gap = rule.get("known_gap")
        if not ok and gap:
            measured = float(gap["measured"])
            worse = value < measured if "min" in rule else value > measured
            status = "regression" if worse else "known gap"
            note = f"known gap, measured {measured}: {gap.get('note', '')}".strip()
        verdicts.append(Verdict(metric, value, bar, status, note))
    return verdicts
