"""The gap report's shape (JSON for the API and `assistant gaps --json`) and its Markdown."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, Field

from assistant.gaps.markdown_text import inline

__all__ = ["GapGroup", "GapReport"]

TITLE = "What readers asked that the article does not answer"


class GapGroup(BaseModel):
    label: str = Field(description="A few words naming the topic: its questions' most distinctive words.")
    count: int = Field(description="Questions in the group (a question asked twice counts twice).")
    examples: list[str] = Field(description="Up to 5 distinct questions, the most central first.")
    reasons: dict[str, int] = Field(description='Why each was a gap: {"abstained": n, "down-voted": m}.')
    closest_sections: list[str] = Field(description="The article sections nearest the group's questions.")

    @property
    def alone(self) -> bool:
        """One distinct question, with no other on its topic."""
        return len(self.examples) == 1


class GapReport(BaseModel):
    total: int = Field(description="Questions grouped.")
    groups: list[GapGroup] = Field(description="Largest first; a question on a topic of its own is a group of 1.")
    left_out: int = Field(
        0, description="Questions left out: the grouping holds the most asked distinct questions (a bound on memory)."
    )

    def reasons(self) -> dict[str, int]:
        return _summed(group.reasons for group in self.groups)

    def markdown(self) -> str:
        """Title and totals, a table of the topics, then each topic's questions; the questions
        on a topic of their own come last, in one list."""
        lines = [f"# {TITLE}", ""]
        if not self.groups:
            return "\n".join([*lines, "No abstained or down-voted questions are stored yet.", ""])
        shared = [g for g in self.groups if not g.alone]
        alone = [g for g in self.groups if g.alone]
        parts = [f"{_plural(len(shared), 'topic')} asked in more than one way"] if shared else []
        if alone:
            parts.append(f"{_questions(len(alone))} {'each ' if len(alone) > 1 else ''}on a topic of its own")
        lines += [f"{_questions(self.total)} ({_reasons_text(self.reasons())}): {'; '.join(parts)}.", ""]
        if self.left_out:
            lines += [f"{_questions(self.left_out)} asked less often were left out of the grouping.", ""]
        lines += [
            "| # | topic | questions | abstained | down-voted | closest sections |",
            "| ---: | --- | ---: | ---: | ---: | --- |",
        ]
        for number, group in enumerate(shared, 1):
            lines.append(_row(str(number), inline(group.label), group.count, group.reasons, _sections(group)))
        if alone:
            lines.append(
                _row("", "*each on its own topic*", sum(g.count for g in alone), _summed(g.reasons for g in alone), "")
            )
        for number, group in enumerate(shared, 1):
            closest = _sections(group) or "none"
            lines += [
                "",
                f"## {number}. {inline(group.label)}",
                "",
                f"{_questions(group.count)} ({_reasons_text(group.reasons)}). Closest sections: {closest}.",
                "",
                *(f"- {inline(example)}" for example in group.examples),
            ]
        if alone:
            lines += ["", "## Each on its own topic", ""]
            for group in alone:
                asked = f"asked {group.count} times, " if group.count > 1 else ""
                closest = f"; closest: {_sections(group)}" if group.closest_sections else ""
                lines.append(f"- {inline(group.examples[0])} ({asked}{_reasons_text(group.reasons)}{closest})")
        return "\n".join([*lines, ""])


def _row(number: str, topic: str, count: int, reasons: dict[str, int], sections: str) -> str:
    cells = [number, topic, str(count), str(reasons.get("abstained", 0)), str(reasons.get("down-voted", 0)), sections]
    return "| " + " | ".join(cells) + " |"


def _sections(group: GapGroup) -> str:
    return "; ".join(inline(section) for section in group.closest_sections)


def _summed(counts: Iterable[dict[str, int]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for reasons in counts:
        for reason, count in reasons.items():
            total[reason] = total.get(reason, 0) + count
    return total


def _reasons_text(reasons: dict[str, int]) -> str:
    return ", ".join(f"{count} {inline(reason)}" for reason, count in reasons.items() if count) or "no reason given"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _questions(count: int) -> str:
    return _plural(count, "question")
