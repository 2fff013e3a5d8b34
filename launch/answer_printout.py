"""How an answer looks in the terminal: the text as it is written, then its citations under
it on stdout; which sentences are quotes, the notes and the timings on stderr.

Text from the corpus and the model is printed as Rich Text, never parsed as markup, and
stripped of control characters, so it can neither style nor drive the terminal. On a pipe
or a file Rich writes no escape codes and does not wrap, so stdout is plain text.
"""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from assistant.answer import Answer

__all__ = ["AnswerPrinter", "printable"]


def printable(text: str) -> str:
    """Without control characters (an escape sequence in an article must not reach a terminal)."""
    return "".join(char if char.isprintable() or char in "\n\t" else " " for char in text)


class AnswerPrinter:
    def __init__(self, out: Console, notes: Console) -> None:
        self.out = out
        self.notes = notes
        self._open_line = False

    def _print(self, console: Console, text: Text | str, end: str = "\n") -> None:
        console.print(text, end=end, markup=False, highlight=False, emoji=False, soft_wrap=True)

    def token(self, text: str) -> None:
        """A piece of the answer, shown at once (Rich flushes after each print)."""
        # Marked open first: a Ctrl-C that lands inside the print must still end the line.
        self._open_line = True
        self._print(self.out, Text(printable(text)), end="")

    def end_line(self) -> None:
        """Ends the half-written line, so the shell's prompt starts on its own."""
        if self._open_line:
            self._print(self.out, "")
            self._open_line = False

    def finish(self, answer: Answer) -> None:
        self.end_line()
        if not answer.abstained:  # an abstention's text names the closest sections itself
            self._print(self.out, "")
            for citation in answer.citations:
                self._print(
                    self.out,
                    Text.assemble(
                        (f"[{citation.id}] ", "bold"),
                        printable(f"{citation.title} — {citation.section}"),
                        (f"  ({printable(citation.source)} {citation.start}-{citation.end},"
                         f" score {citation.score:.2f})", "dim"),
                    ),
                )
                self._print(self.out, Text(f"    “{printable(citation.quote)}”"))
        for sentence in answer.sentences:
            origin = "quoted from the article" if sentence.origin == "quote" else "written by the model, checked"
            markers = "".join(f"[{n}]" for n in sentence.citations)
            self._print(self.notes, Text(f"{markers} {origin}", style="dim"))
        for note in answer.notes:
            self._print(self.notes, Text(f"note: {printable(note)}", style="dim"))
        t = answer.timings_ms
        self._print(
            self.notes,
            Text(
                f"{printable(answer.backend)} · retrieval {t.retrieval:.0f} ms · generation {t.generation:.0f} ms"
                f" · total {t.total:.0f} ms",
                style="dim",
            ),
        )
