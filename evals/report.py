"""Write the evaluation report: report.md, report.json and a PNG chart by category."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from evals.guard_eval import GuardEvaluation, GuardResult
from evals.guard_set import FAITHFUL_KINDS, WRONG_KINDS
from evals.lift import Lift
from evals.runner import CaseResult, SuiteResult
from evals.split import SPLITS
from evals.thresholds import Verdict

__all__ = ["write_report"]

_CATEGORIES = ["gold", "paraphrase", "follow_up", "out_of_scope", "injection"]


def _by_category(suite: SuiteResult) -> dict[str, dict[str, float]]:
    groups = defaultdict(list)
    for result in suite.cases:
        groups[result.case.category].append(result)
    table = {}
    for category in _CATEGORIES:
        results = groups.get(category, [])
        if not results:
            continue
        in_scope = results[0].case.in_scope is True
        table[category] = {
            "cases": len(results),
            "pass_rate": sum(r.passed for r in results) / len(results),
            "key_point_recall": sum(r.key_point_recall for r in results) / len(results) if in_scope else None,
            "citation_accuracy": sum(r.cited_expected for r in results) / len(results) if in_scope else None,
        }
    return table


def _groups(suite: SuiteResult) -> dict[str, dict[str, list[int]]]:
    """Pass counts per kind of question and split: group -> split -> [passed, cases]. Kinds:
    the category, the style of in-scope questions, the reach of out-of-scope ones."""
    table: dict[str, dict[str, list[int]]] = defaultdict(lambda: {s: [0, 0] for s in SPLITS})

    def names(r: CaseResult) -> list[str]:
        extra = [f"style: {r.case.style}"] if r.case.in_scope else []
        extra += [f"out of scope: {r.case.reach}"] if r.case.reach else []
        return [f"category: {r.case.category}", *extra]

    for r in suite.cases:
        for name in names(r):
            table[name][r.case.split][0] += r.passed
            table[name][r.case.split][1] += 1
    return dict(sorted(table.items()))


def _chart(table: dict[str, dict[str, float]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display on CI
    import matplotlib.pyplot as plt

    categories = list(table)
    series = [
        ("pass_rate", "pass rate"),
        ("key_point_recall", "key-point recall"),
        ("citation_accuracy", "citation accuracy"),
    ]
    width = 0.26
    fig, ax = plt.subplots(figsize=(8, 4), dpi=100)
    for offset, (key, label) in enumerate(series):
        values = [table[c][key] if table[c][key] is not None else 0 for c in categories]
        ax.bar([i + (offset - 1) * width for i in range(len(categories))], values, width, label=label)
    ax.set_xticks(range(len(categories)), [f"{c}\n(n={table[c]['cases']})" for c in categories])
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("share")
    ax.set_title("Evaluation by question category")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _split_lines(suite: SuiteResult, splits: dict[str, dict[str, float]], verdicts: list[Verdict]) -> list[str]:
    checked = {v.metric: v for v in verdicts}
    lines = [
        "## Metrics by split",
        "",
        "Thresholds apply to the locked split; the tuning split is what calibration and development may look at.",
        "",
        "| metric | tuning | locked | threshold (locked) | status |",
        "| --- | --- | --- | --- | --- |",
    ]
    for metric in suite.metrics:
        values = [f"{splits[s][metric]:g}" if s in splits else "—" for s in SPLITS]
        verdict = checked.get(metric)
        status = "" if verdict is None else verdict.status + (f" ({verdict.note})" if verdict.note else "")
        lines.append(f"| {metric} | {' | '.join(values)} | {verdict.bar if verdict else ''} | {status} |")
    lines += ["", "### Passed per kind of question", "", "| kind | tuning | locked |", "| --- | --- | --- |"]
    for name, counts in _groups(suite).items():
        cells = [f"{p}/{n} ({p / n:.0%})" if n else "—" for p, n in (counts[s] for s in SPLITS)]
        lines.append(f"| {name} | {' | '.join(cells)} |")
    return lines


def _lift_lines(lift: Lift | None) -> list[str]:
    if lift is None:
        return []
    lines = [
        "## The LLM's lift",
        "",
        (
            f"The locked split's {lift.cases} in-scope questions, answered by `{lift.backend}` and by the"
            " extractive backend (the article's sentences only) over the same index."
        ),
        "",
        f"| metric | {lift.backend} | extractive | difference |",
        "| --- | --- | --- | --- |",
    ]
    lines += [f"| {m} | {a:g} | {b:g} | {d:+g} |" for m, a, b, d in lift.rows()]
    return [*lines, ""]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _guard_lines(guard: GuardEvaluation | None, verdicts: list[Verdict]) -> list[str]:
    if guard is None:
        return []
    checked = {v.metric: v for v in verdicts}
    lines = [
        "## The guard",
        "",
        (
            "Labelled candidate sentences (evals/guard_set.yaml) checked by the guard against the passages"
            " retrieved for their question. Faithful kinds must be accepted, the others rejected."
        ),
        "",
        "| metric | tuning | locked | threshold (locked) | status |",
        "| --- | --- | --- | --- | --- |",
    ]
    names = dict.fromkeys(name for metrics in guard.splits.values() for name in metrics)
    for metric in names:
        values = [f"{guard.splits[s][metric]:g}" if metric in guard.splits.get(s, {}) else "—" for s in SPLITS]
        verdict = checked.get(metric)
        status = "" if verdict is None else verdict.status + (f" ({verdict.note})" if verdict.note else "")
        lines.append(f"| {metric} | {' | '.join(values)} | {verdict.bar if verdict else ''} | {status} |")
    lines += [
        "",
        "| kind | expected | accepted (tuning) | accepted (locked) |",
        "| --- | --- | --- | --- |",
    ]

    def share(kind: str, split: str) -> str:
        members = [r for r in guard.results if r.candidate.kind == kind and r.candidate.split == split]
        return f"{sum(r.accepted for r in members)}/{len(members)}" if members else "—"

    for kind in FAITHFUL_KINDS + WRONG_KINDS:
        expected = "accept" if kind in FAITHFUL_KINDS else "reject"
        lines.append(f"| {kind} | {expected} | {share(kind, 'tuning')} | {share(kind, 'locked')} |")

    def listed(title: str, results: list[GuardResult]) -> list[str]:
        rows = [f"### {title} ({len(results)})", ""]
        rows += ["| id | kind | guard said | sentence |", "| --- | --- | --- | --- |"] if results else ["None."]
        rows += [
            f"| {r.candidate.id} | {r.candidate.kind} | {r.reason} | {_cell(r.candidate.sentence)} |" for r in results
        ]
        return [*rows, ""]

    lines.append("")
    for split in SPLITS:
        if split in guard.splits:
            lines += listed(f"Wrong sentences accepted, {split} half", guard.wrong_accepted(split))
            lines += listed(f"Faithful sentences rejected, {split} half", guard.faithful_rejected(split))
    return lines


def write_report(
    suite: SuiteResult,
    splits: dict[str, dict[str, float]],
    lift: Lift | None,
    guard: GuardEvaluation | None,
    verdicts: list[Verdict],
    folder: Path,
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    table = _by_category(suite)
    _chart(table, folder / "metrics_by_category.png")
    rows = [
        {
            "id": r.case.id,
            "category": r.case.category,
            "split": r.case.split,
            "style": r.case.style,
            "reach": r.case.reach,
            "question": r.case.question,
            "history": r.case.history,
            "expected_sections": r.case.sections,
            "retrieved_sections": r.retrieved_sections,
            "cited_sections": r.cited_sections,
            "abstained": r.answer.abstained,
            "answer": r.answer.answer,
            "origins": [s.origin for s in r.answer.sentences],
            "key_point_recall": r.key_point_recall,
            "contradictions": r.contradictions,
            "similarity": r.similarity,
            "passed": r.passed,
            "why": r.why,
            "timings_ms": r.answer.timings_ms.model_dump(),
        }
        for r in suite.cases
    ]
    (folder / "report.json").write_text(
        json.dumps(
            {
                "backend": suite.backend,
                "metrics": suite.metrics,
                "splits": splits,
                "lift": None if lift is None else lift.__dict__,
                "guard": None
                if guard is None
                else {
                    "splits": guard.splits,
                    "candidates": [
                        {"id": r.candidate.id, "kind": r.candidate.kind, "split": r.candidate.split}
                        | {"sentence": r.candidate.sentence, "accepted": r.accepted, "reason": r.reason}
                        for r in guard.results
                    ],
                },
                "by_group": _groups(suite),
                "thresholds": [v.__dict__ for v in verdicts],
                "by_category": table,
                "cases": rows,
            },
            indent=2,
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    lines = [
        "# Evaluation report",
        "",
        f"Backend: `{suite.backend}` · {len(suite.cases)} questions · {sum(r.passed for r in suite.cases)} passed",
        "",
    ]
    lines += _split_lines(suite, splits, verdicts)
    lines += ["", *_lift_lines(lift), *_guard_lines(guard, verdicts)]
    lines += ["## All questions run", "", "| metric | value |", "| --- | --- |"]
    lines += [f"| {metric} | {value:g} |" for metric, value in suite.metrics.items()]
    lines += ["", "![metrics by category](metrics_by_category.png)", "", "## Questions", ""]
    lines += [
        "| id | split | style | question | expected section | cited sections | result |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]

    for r in suite.cases:
        expected = "; ".join(r.case.sections) or ("(abstain)" if r.case.in_scope is False else "")
        cited = "(abstained)" if r.answer.abstained else "; ".join(r.cited_sections)
        question = r.case.question if not r.case.history else f"{' → '.join(r.case.history)} → {r.case.question}"
        verdict = ("pass" if r.passed else "**FAIL**") + f": {r.why}"
        lines.append(
            f"| {r.case.id} | {r.case.split} | {r.case.style} | {_cell(question)} | {_cell(expected)} | {_cell(cited)} | {_cell(verdict)} |"
        )
    path = folder / "report.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
