"""How an ingest looks in the terminal: a Rich progress bar, then a summary table."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ingest.pipeline import IngestReport

__all__ = ["IngestProgressBar", "print_report"]


class IngestProgressBar:
    """The pipeline's Progress protocol, drawn with rich.progress."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            TextColumn("Embedding chunks"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._task = self._progress.add_task("embed", total=None)

    def __enter__(self) -> IngestProgressBar:
        self._progress.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._progress.stop()

    def start(self, total: int) -> None:
        self._progress.update(self._task, total=total, completed=0)

    def advance(self, count: int) -> None:
        self._progress.advance(self._task, count)


def print_report(console: Console, report: IngestReport, total_chunks: int) -> None:
    table = Table(title="Ingest summary", title_justify="left")
    table.add_column("File", overflow="fold")
    table.add_column("Status", overflow="fold")
    for name in ("Chunks", "Added", "Removed", "Unchanged"):
        table.add_column(name, justify="right")
    styles = {"failed": "red", "removed": "yellow", "added": "green", "changed": "cyan"}
    for result in report.files:
        status = f"[{styles.get(result.status, 'default')}]{result.status}[/]"
        table.add_row(
            result.source,
            status if not result.error else f"{status}: {result.error}",
            *(str(getattr(result, n)) for n in ("chunks", "added", "removed", "unchanged")),
        )
    table.add_section()
    table.add_row(
        f"{len(report.files)} file(s) in {report.seconds:.1f} s",
        "",
        *(str(report.total(n)) for n in ("chunks", "added", "removed", "unchanged")),
    )
    console.print(table)
    if report.writes == 0:
        console.print(f"Index up to date: nothing written ({total_chunks} chunks stored).")
    else:
        console.print(f"Index updated: {report.writes} write(s), {total_chunks} chunks stored.")
