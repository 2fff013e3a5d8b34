"""What `assistant ingest` says at the end (issue 27): true in every case, whichever files
failed, whether any were ingested, and on an empty index."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from ingest.ingestor import FileResult, IngestReport
from launch.ingest_printout import failure_summary, print_report

OUTSIDE = "is outside the corpus folder; copy it to '/srv/corpus' to ingest it"


def failed(source: str, reason: str = "is empty") -> FileResult:
    return FileResult(source, "failed", error=reason)


def ingested(source: str, status: str = "added", chunks: int = 3) -> FileResult:
    return FileResult(source, status, chunks=chunks, added=chunks if status == "added" else 0)


def last_line(report: IngestReport, stored: int) -> str:
    out = io.StringIO()
    print_report(Console(width=300, file=out), report, total_chunks=stored)
    return out.getvalue().strip().splitlines()[-1]


def test_one_file_alone_that_failed_is_named_with_its_reason():
    report = IngestReport([failed("/etc/hosts", OUTSIDE)])
    assert failure_summary(report) == f"nothing was ingested: /etc/hosts: {OUTSIDE}"
    assert last_line(report, 0) == "Index unchanged: nothing written (0 chunks stored). The index is empty."


def test_the_table_shows_a_reason_short_and_the_error_line_in_full():
    """The full reason, a folder's path in it, wrapped the table's cell over six lines."""
    report = IngestReport([failed("/etc/hosts", OUTSIDE)])
    out = io.StringIO()
    print_report(Console(width=80, file=out), report, total_chunks=0)
    rows = out.getvalue().split("├")[0].splitlines()  # the files' rows, above the totals
    status = " ".join(line.split("│")[2].strip() for line in rows if line.count("│") == 7)
    assert status == "failed: is outside the corpus folder"
    assert "copy it" not in out.getvalue() and "/srv/corpus" not in out.getvalue()
    assert failure_summary(report).endswith(f"/etc/hosts: {OUTSIDE}")


def test_several_files_that_all_failed():
    report = IngestReport([failed("a.md"), failed("b.pdf", "is not a .txt, .md or .html file")], index_version="v1")
    assert failure_summary(report) == (
        "nothing was ingested (none of the 2 files could be): a.md: is empty; b.pdf: is not a .txt, .md or .html file"
    )
    assert last_line(report, 11) == "Index unchanged: nothing written (11 chunks stored). Version v1."


@pytest.mark.parametrize(
    "others,tail",
    [
        ([ingested("article.txt")], "the other one was."),
        ([ingested("a.txt"), ingested("b.txt", "unchanged")], "the other 2 were."),
    ],
)
def test_some_failed_and_the_others_were_ingested(others, tail):
    report = IngestReport([failed("broken.txt", "is not UTF-8 text"), *others], index_version="v2")
    total = 1 + len(others)
    assert failure_summary(report) == (
        f"1 of {total} files could not be ingested (broken.txt: is not UTF-8 text); {tail}"
    )


def test_many_failures_are_named_up_to_three_then_counted():
    report = IngestReport([failed(f"f{n}.md") for n in range(5)] + [ingested("ok.txt")])
    summary = failure_summary(report)
    assert summary.startswith("5 of 6 files could not be ingested (f0.md: is empty; f1.md: is empty; f2.md: is empty;")
    assert "and 2 more (listed above)); the other one was." in summary


def test_a_removed_file_is_not_counted_as_ingested():
    report = IngestReport([failed("new.md"), FileResult("gone.md", "removed", removed=4)])
    assert failure_summary(report).startswith("nothing was ingested: new.md: is empty")


def test_nothing_failed_means_no_error_line_and_up_to_date_or_updated():
    unchanged = IngestReport([ingested("a.txt", "unchanged")], index_version="v3")
    assert failure_summary(unchanged) is None
    assert last_line(unchanged, 3) == "Index up to date: nothing written (3 chunks stored). Version v3."
    written = IngestReport([ingested("a.txt")], index_version="v4")
    assert last_line(written, 3) == (
        "Index updated: 3 write(s), 3 chunks stored. Version v4: running servers switch to it within seconds."
    )
    emptied = IngestReport([FileResult("gone.md", "removed", removed=4)])
    assert last_line(emptied, 0) == "Index updated: 4 write(s), 0 chunks stored. The index is empty."


def test_names_and_reasons_cannot_forge_lines():
    report = IngestReport([failed("evil\nname.md", "is empty\x1b[31m")])
    summary = failure_summary(report)
    assert "\n" not in summary and "\x1b" not in summary
