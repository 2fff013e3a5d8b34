"""How an ingest looks: progress while it runs (a bar on a terminal, one line per file in
a log), then a summary table."""

from __future__ import annotations

from dataclasses import asdict

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ingest.ingestor import FileResult, IngestReport

__all__ = [
    "IngestProgressBar",
    "IngestProgressLines",
    "failure_summary",
    "ingest_progress",
    "print_report",
    "report_json",
]

# What a file's status says about it: these were read into the index (written or already there).
_INGESTED = ("added", "changed", "unchanged")
# Failures named one by one in the error line; past this many, the rest are counted.
_NAMED_FAILURES = 3


def ingest_progress(console: Console) -> IngestProgressBar | IngestProgressLines:
    """A bar where someone watches a terminal; plain lines where output goes to a file or a
    pipe, which a Rich bar leaves empty (a log of a long run must still show each file)."""
    return IngestProgressBar(console) if console.is_interactive else IngestProgressLines(console)


def _printable(name: str) -> str:
    # A file name may hold a newline or an escape sequence; in a log line it must not be
    # able to forge another line or drive the terminal, so non-printables are shown escaped.
    return "".join(char if char.isprintable() else ascii(char)[1:-1] for char in name)


class IngestProgressLines:
    """The pipeline's Progress protocol as one plain line per file started and finished."""

    def __init__(self, console: Console) -> None:
        self._console = console

    def __enter__(self) -> IngestProgressLines:
        return self

    def __exit__(self, *exc_info: object) -> None:
        pass

    def _line(self, text: str) -> None:
        self._console.print(text, markup=False, highlight=False, emoji=False, soft_wrap=True)

    def start(self, total: int) -> None:
        self._line(f"Embedding {total} chunk(s)")

    def advance(self, count: int) -> None:
        pass

    def file_started(self, source: str, chunks: int) -> None:
        self._line(f"{_printable(source)}: started, {chunks} chunk(s)")

    def file_finished(self, result: FileResult, seconds: float) -> None:
        name = _printable(result.source)
        if result.status == "failed":
            self._line(f"{name}: failed ({seconds:.1f} s): {_printable(result.error)}")
        elif result.status == "removed":
            self._line(f"{name}: removed, {result.removed} chunk(s) in {seconds:.1f} s")
        else:
            self._line(f"{name}: {result.status}, {result.chunks} chunk(s) in {seconds:.1f} s")


class IngestProgressBar:
    """The pipeline's Progress protocol, drawn with rich.progress."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._task = self._progress.add_task("Embedding chunks", total=None)

    def __enter__(self) -> IngestProgressBar:
        self._progress.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._progress.stop()

    def start(self, total: int) -> None:
        self._progress.update(self._task, total=total, completed=0)

    def advance(self, count: int) -> None:
        self._progress.advance(self._task, count)

    def file_started(self, source: str, chunks: int) -> None:
        self._progress.update(self._task, description=f"Embedding {escape(_printable(source))}")

    def file_finished(self, result: FileResult, seconds: float) -> None:
        pass  # the summary table lists every file


def print_report(console: Console, report: IngestReport, total_chunks: int) -> None:
    table = Table(title="Ingest summary", title_justify="left")
    table.add_column("File", overflow="fold")
    table.add_column("Status", overflow="fold")
    for name in ("Chunks", "Added", "Removed", "Unchanged"):
        table.add_column(name, justify="right")
    styles = {"failed": "red", "removed": "yellow", "added": "green", "changed": "cyan"}
    for result in report.files:
        status = f"[{styles.get(result.status, 'default')}]{result.status}[/]"
        # Names and reasons come from the corpus: escaped, or "[b]" in a file name is markup.
        table.add_row(
            escape(result.source),
            status if not result.error else f"{status}: {escape(_short_reason(result.error))}",
            *(str(getattr(result, n)) for n in ("chunks", "added", "removed", "unchanged")),
        )
    table.add_section()
    table.add_row(
        f"{len(report.files)} file(s) in {report.seconds:.1f} s",
        "",
        *(str(report.total(n)) for n in ("chunks", "added", "removed", "unchanged")),
    )
    console.print(table)
    # An empty store has no version: say so rather than "Version ." with nothing after it.
    version = f"Version {report.index_version}" if report.index_version else "The index is empty"
    if report.writes:
        switch = ": running servers switch to it within seconds" if report.index_version else ""
        console.print(f"Index updated: {report.writes} write(s), {total_chunks} chunks stored. {version}{switch}.")
    elif report.failed:  # not "up to date": what failed is not in it
        console.print(f"Index unchanged: nothing written ({total_chunks} chunks stored). {version}.")
    else:
        console.print(f"Index up to date: nothing written ({total_chunks} chunks stored). {version}.")


def _short_reason(reason: str) -> str:
    """A failure's reason as the table shows it: its first clause ("is outside the corpus
    folder"), not the advice after ";" with a folder's full path, which would wrap the cell
    over many lines. The error line below the table gives the reason in full."""
    return reason.split("; ", 1)[0]


def failure_summary(report: IngestReport) -> str | None:
    """The error line of a run where files failed, true in every case: when none of the files
    was ingested it says so and names them with the reason (`assistant ingest /etc/hosts`:
    "nothing was ingested: /etc/hosts is outside the corpus folder ..."); when some were, how
    many of how many. None when nothing failed."""
    failed = report.failed
    if not failed:
        return None
    named = "; ".join(f"{_printable(f.source)}: {_printable(f.error)}" for f in failed[:_NAMED_FAILURES])
    if len(failed) > _NAMED_FAILURES:
        named += f"; and {len(failed) - _NAMED_FAILURES} more (listed above)"
    ingested = sum(1 for f in report.files if f.status in _INGESTED)
    if not ingested:
        which = "" if len(failed) == 1 else f" (none of the {len(failed)} files could be)"
        return f"nothing was ingested{which}: {named}"
    others = "the other one was" if ingested == 1 else f"the other {ingested} were"
    return f"{len(failed)} of {len(failed) + ingested} files could not be ingested ({named}); {others}."


def report_json(report: IngestReport, total_chunks: int) -> dict:
    """`assistant ingest --json`: every file with its status and counts, the totals, the time."""
    counts = ("chunks", "added", "removed", "unchanged")
    return {
        "files": [asdict(result) for result in report.files],
        "totals": {
            "files": len(report.files),
            "failed": len(report.failed),
            **{name: report.total(name) for name in counts},
            "writes": report.writes,
            "stored": total_chunks,
        },
        "index_version": report.index_version,
        "seconds": round(report.seconds, 3),
    }
