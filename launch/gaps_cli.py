"""`assistant gaps`: the questions readers asked that the article does not answer, grouped by
topic, as Markdown (or JSON) on stdout or in a file, and as a bar chart.

Registered on launch.cli's app; it prints through launch.terminal, as every command does.
"""

from __future__ import annotations

from typing import Annotated

import typer

from launch.output_paths import output_path
from launch.terminal import fail, fail_for, load_settings, notes, say

__all__ = ["NOTHING_STORED", "gaps"]

NOTHING_STORED = (
    "no abstained or down-voted questions stored yet: a question is stored when a reader rates its answer"
    " (the UI's buttons, POST /v1/feedback); set ASSISTANT_LOG_QUESTIONS=true to store every abstained question too"
)
# What matplotlib writes by the file's suffix, of the formats a report is read in.
PLOT_FORMATS = (".png", ".svg", ".pdf")


def gaps(
    json_output: Annotated[
        bool, typer.Option("--json", help="The report as one JSON object instead of Markdown.")
    ] = False,
    out: Annotated[
        str | None,
        typer.Option(
            "--out", metavar="FILE", help="Write the report to this file instead of stdout.", show_default=False
        ),
    ] = None,
    plot: Annotated[
        str | None,
        typer.Option(
            "--plot",
            metavar="FILE",
            help="Also draw the groups' sizes as a bar chart (.png, .svg or .pdf).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """What readers asked that the article does not answer (abstained, or down-voted), grouped by topic."""
    from assistant.composition import build_service
    from assistant.errors import SetupError
    from assistant.feedback import FeedbackService
    from assistant.gaps import GapReport, build_gap_report, plot_gap_report

    # Before the grouping, which takes tens of seconds: a file that cannot be written fails now.
    out_file, plot_file = output_path("--out", out), output_path("--plot", plot)
    if plot_file is not None and plot_file.suffix.lower() not in PLOT_FORMATS:
        raise fail(f"--plot {plot_file}: the chart is written as {', '.join(PLOT_FORMATS)}, by the file's suffix", 2)
    settings = load_settings()
    try:
        feedback = FeedbackService.from_settings(settings)
        try:
            questions = feedback.gap_questions()
        finally:
            feedback.close()
        if questions:
            # No LLM: the report needs only the embedding model and the index.
            with notes.status(f"Grouping {len(questions)} questions…"):
                service = build_service(settings, with_llm=False, warm_up=False)
                report = build_gap_report(questions, service)
        else:
            notes.print(NOTHING_STORED, highlight=False, soft_wrap=True, markup=False)
            report = GapReport(total=0, groups=[])
    except SetupError as error:
        raise fail_for(error) from None
    text = report.model_dump_json(indent=2) + "\n" if json_output else report.markdown()
    try:
        if out_file is not None:
            out_file.write_text(text, encoding="utf-8")
            notes.print(f"Gap report: {out_file}", highlight=False, markup=False)
        if plot_file is not None and not report.groups:
            say(f"No chart written to {plot_file}: there are no questions to draw.")
        elif plot_file is not None:
            plot_gap_report(report, plot_file)
            notes.print(f"Chart: {plot_file}", highlight=False, markup=False)
    except OSError as error:
        raise fail(f"could not write {error.filename}: {error.strerror}") from None
    if out_file is None:
        typer.echo(text, nl=False)
