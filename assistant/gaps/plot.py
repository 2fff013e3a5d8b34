"""The gap report as a picture: one horizontal bar per topic, its length the questions asked,
split by why each was a gap."""

from __future__ import annotations

from pathlib import Path

from assistant.gaps.report import GapReport

__all__ = ["MAX_BARS", "chart_bars", "plot_gap_report"]

MAX_BARS = 15
_COLOURS = {"abstained": "#4c72b0", "down-voted": "#dd8452"}
_LABEL_CHARS = 40


def plot_gap_report(report: GapReport, path: Path) -> None:
    """A PNG at ``path``: the largest topics (up to MAX_BARS) as bars, the largest on top; the
    questions on topics of their own, and any topics past MAX_BARS, as one last bar."""
    import matplotlib

    matplotlib.use("Agg")  # no display on a server or in CI
    import matplotlib.pyplot as plt

    bars = chart_bars(report)
    bars.reverse()  # barh draws from the bottom up
    reason_names = list(_COLOURS) + sorted({r for _, counts in bars for r in counts} - set(_COLOURS))
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.4 * max(len(bars), 1)), dpi=100)
    left = [0] * len(bars)
    drawn = False
    for reason in reason_names:
        widths = [counts.get(reason, 0) for _, counts in bars]
        if any(widths):
            ax.barh(range(len(bars)), widths, left=left, label=reason, color=_COLOURS.get(reason))
            left = [a + b for a, b in zip(left, widths, strict=True)]
            drawn = True
    ax.set_yticks(range(len(bars)), [label for label, _ in bars])
    ax.set_xlabel("questions")
    ax.set_title(f"What readers asked that the article does not answer ({report.total} questions)")
    if drawn:
        ax.legend(loc="lower right", fontsize=8)
    ax.xaxis.get_major_locator().set_params(integer=True)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def chart_bars(report: GapReport) -> list[tuple[str, dict[str, int]]]:
    """The bars top down, each its label and its questions by reason: the largest topics,
    then one bar for the rest, named as the web UI's gaps tab names it."""
    shared = [g for g in report.groups if not g.alone]
    shown, rest = shared[:MAX_BARS], shared[MAX_BARS:] + [g for g in report.groups if g.alone]
    bars = [(_short(g.label), g.reasons) for g in shown]
    if rest:
        reasons: dict[str, int] = {}
        for group in rest:
            for reason, count in group.reasons.items():
                reasons[reason] = reasons.get(reason, 0) + count
        alone = all(group.alone for group in rest)
        bars.append(("each on its own topic" if alone else f"{len(rest)} smaller topics", reasons))
    return bars


def _short(label: str) -> str:
    """The label cut to fit, its dollar signs escaped: matplotlib reads "$...$" as maths."""
    cut = label if len(label) <= _LABEL_CHARS else label[: _LABEL_CHARS - 1] + "…"
    return cut.replace("$", r"\$")
