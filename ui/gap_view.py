"""The "What readers miss" tab: the gap report (assistant/gaps) as HTML and as the table
its bar plot draws. Pure functions, so they are tested without a browser; every question,
label and section is escaped (they are readers' and the article's text)."""

from __future__ import annotations

import math

import pandas as pd

from assistant.gaps import GapGroup, GapReport
from ui.render import escaped as _e

__all__ = ["ALONE", "bar_axis_top", "gap_sizes", "render_gap_report"]

ALONE = "each on its own topic"
MAX_BARS = 15  # more bars than this is no longer a picture
_REASONS = {"abstained": "not covered", "down-voted": "voted down"}


def _questions(count: int) -> str:
    return f"{count} question{'' if count == 1 else 's'}"


def _why(reasons: dict[str, int]) -> str:
    return ", ".join(f"{n} {_REASONS.get(r, r)}" for r, n in reasons.items() if n)


def _group(group: GapGroup) -> str:
    examples = "".join(f"<li>{_e(q)}</li>" for q in group.examples)
    sections = ", ".join(_e(s) for s in group.closest_sections) or "none"
    return (
        f'<div class="gap-group" data-count="{int(group.count)}"><h3>{_e(group.label)}</h3>'
        f'<div class="gap-meta">{_questions(int(group.count))} ({_e(_why(group.reasons))})</div>'
        f"<ul>{examples}</ul>"
        f'<div class="gap-meta">Closest sections in the article: {sections}</div></div>'
    )


def _alone(group: GapGroup) -> str:
    asked = f"asked {int(group.count)} times, " if group.count > 1 else ""
    closest = f"; closest: {', '.join(_e(s) for s in group.closest_sections)}" if group.closest_sections else ""
    why = f"{asked}{_e(_why(group.reasons))}{closest}"
    return f'<li>{_e(group.examples[0])} <span class="gap-meta">({why})</span></li>'


def render_gap_report(report: GapReport) -> str:
    """The topics asked about in more than one way (largest first): label, how many questions
    and why, examples and the closest sections; then the questions each on a topic of its own."""
    if not report.groups:
        return (
            '<div class="gap-report" data-groups="0"><p>Nothing to show yet: questions the article could not '
            "answer, and answers readers voted down, appear here.</p></div>"
        )
    shared = [g for g in report.groups if not g.alone]
    alone = [g for g in report.groups if g.alone]
    left_out = f" {_questions(report.left_out)} asked less often were left out." if report.left_out else ""
    parts = [f'<p>{_questions(report.total)} ({_e(_why(report.reasons()))}).{left_out}</p>']
    parts += [_group(g) for g in shared]
    if alone:
        parts.append(
            f'<div class="gap-group gap-alone" data-count="{sum(g.count for g in alone)}"><h3>Each on its own '
            f"topic</h3><ul>{''.join(_alone(g) for g in alone)}</ul></div>"
        )
    return f'<div class="gap-report" data-groups="{len(report.groups)}">{"".join(parts)}</div>'


def bar_axis_top(sizes: pd.DataFrame) -> int:
    """The top of the bar plot's axis: above the tallest bar (a tenth more, at least one
    question), so that bar does not touch the plot's edge; whole, so the ticks are too."""
    top = int(sizes["questions"].max()) if len(sizes) else 1
    return top + max(1, math.ceil(top / 10))


def gap_sizes(report: GapReport | None) -> pd.DataFrame:
    """Questions per topic for the bar plot: the largest topics, then one bar for the rest
    (the questions each on a topic of its own, and topics past MAX_BARS). Empty before the
    first refresh."""
    groups = report.groups if report is not None else []
    shared = [g for g in groups if not g.alone]
    rows = [(g.label, int(g.count)) for g in shared[:MAX_BARS]]
    rest = shared[MAX_BARS:] + [g for g in groups if g.alone]
    if rest:
        label = ALONE if all(g.alone for g in rest) else f"{len(rest)} smaller topics"
        rows.append((label, sum(g.count for g in rest)))
    return pd.DataFrame(rows, columns=["topic", "questions"])
