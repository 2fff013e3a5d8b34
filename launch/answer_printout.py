"""How an answer looks in the terminal: the text, then its citations under it."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel

from assistant.answer import Answer

__all__ = ["print_answer"]


def print_answer(console: Console, answer: Answer) -> None:
    if answer.abstained:
        console.print(Panel(escape(answer.answer), title="Not covered", border_style="yellow"))
        return
    console.print(Panel(escape(answer.answer), title="Answer", border_style="green"))
    for sentence in answer.sentences:
        origin = "quoted from the article" if sentence.origin == "quote" else "written by the model, checked"
        markers = "".join(f"[{n}]" for n in sentence.citations)
        console.print(f"  {escape(markers)} {origin}", style="dim")
    console.print()
    for citation in answer.citations:
        console.print(
            f"[bold]\\[{citation.id}][/] {escape(citation.title)} — {escape(citation.section)}"
            f"  [dim]({escape(citation.source)} {citation.start}-{citation.end}, score {citation.score:.2f})[/]"
        )
        console.print(f"    “{escape(citation.quote)}”", highlight=False)
    for note in answer.notes:
        console.print(f"[dim]note: {escape(note)}[/]")
    t = answer.timings_ms
    console.print(
        f"[dim]{escape(answer.backend)} · retrieval {t.retrieval:.0f} ms · generation {t.generation:.0f} ms"
        f" · total {t.total:.0f} ms[/]"
    )
