"""The `assistant` command line: one Typer app, one subcommand per job.

Heavy imports (torch, chromadb, LangChain) happen inside the commands, so `--help`
answers at once. stdout carries the result only (the answer, the report, the JSON, the
threshold), so a command can feed a pipe; progress and notes go to stderr (silenced by
--quiet), and so do errors, which --quiet never silences.
"""

from __future__ import annotations

import enum
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from launch.cli_help import FlagsAsFlags
from launch.feedback_cli import app as feedback_app
from launch.gaps_cli import gaps
from launch.terminal import console, errors, fail, fail_for, interrupted, load_settings, notes, say

__all__ = ["app"]

app = typer.Typer(
    name="assistant",
    help="A career Q&A assistant that answers from the articles it has read, and proves it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=FlagsAsFlags,  # `--json`, not `--json <bool>`
)


class LogLevel(str, enum.Enum):
    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"


def show_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"assistant {version('career-assistant')}")
        except PackageNotFoundError:  # run from a source tree that was never installed
            typer.echo("assistant (not installed)")
        raise typer.Exit()


def configure_logging(level: LogLevel | None, quiet: bool) -> None:
    """Python's loggers to stderr at the level asked for. Without --log-level (or --quiet) the
    commands keep their own setup (`serve` logs requests at INFO)."""
    if level is None and not quiet:
        return
    name = level.value if level is not None else "ERROR"
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    # On the handler too: a library that sets its own logger to DEBUG (bm25s does) would
    # pass the root's level, which filters only the root's own records.
    handler.setLevel(name)
    logging.basicConfig(level=name, handlers=[handler])


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=show_version, is_eager=True, help="Print the version and exit.")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress or notes on stderr: the result only (errors still).")
    ] = False,
    log_level: Annotated[
        LogLevel | None,
        typer.Option("--log-level", case_sensitive=False, help="Level of the Python loggers, on stderr."),
    ] = None,
) -> None:
    """Answer career questions from the articles in the corpus, with citations."""
    notes.quiet = quiet  # set on every run: CliRunner reuses this module's consoles
    configure_logging(log_level, quiet)


@app.command()
def ingest(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Files or folders to ingest; default: the whole corpus folder.", show_default=False),
    ] = None,
    reset: Annotated[bool, typer.Option("--reset", help="Drop the index and build it anew.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print the report as one JSON object.")] = False,
) -> None:
    """Clean, chunk, embed and store the corpus; only what changed is written."""
    import json

    from assistant.composition import build_ingestor
    from assistant.errors import SetupError
    from launch.ingest_printout import failure_summary, ingest_progress, print_report, report_json

    settings = load_settings()
    if not paths and not settings.corpus_dir.is_dir():
        raise fail(f"the corpus folder {settings.corpus_dir} does not exist (set ASSISTANT_CORPUS_DIR)")
    try:
        ingestor = build_ingestor(settings)
        # Progress goes to stderr, so stdout holds only the report.
        with ingest_progress(notes) as progress:
            report = ingestor.run(paths or (), reset=reset, progress=progress)
    except SetupError as error:
        raise fail_for(error) from None
    except KeyboardInterrupt:
        raise interrupted("Interrupted: run it again to finish (only what changed is written).") from None
    if json_output:
        typer.echo(json.dumps(report_json(report, report.stored_chunks), indent=2, ensure_ascii=False))
    else:
        print_report(console, report, total_chunks=report.stored_chunks)
    failures = failure_summary(report)
    if failures:
        raise fail(failures, 1)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in your own words.")],
    json_output: Annotated[
        bool, typer.Option("--json", help="Print one JSON object at the end instead of text.")
    ] = False,
    top_k: Annotated[int | None, typer.Option("--top-k", min=1, max=20, help="Passages to retrieve.")] = None,
    local: Annotated[
        bool, typer.Option("--local", help="Answer in this process (loads the models) even when a server runs.")
    ] = False,
) -> None:
    """Answer a question from the ingested articles, streamed as it is written, with numbered citations.

    When `assistant serve` runs at ASSISTANT_SERVER_URL (default: where it listens by the
    settings, http://127.0.0.1:8000), it answers and nothing is loaded here; else, or with
    --local, the answer is made in this process."""
    import threading

    from assistant.errors import AssistantError
    from assistant.questions import check_question
    from launch.answer_printout import AnswerPrinter

    settings = load_settings()
    printer = None if json_output else AnswerPrinter(console, notes)
    cancel = threading.Event()
    try:
        question = check_question(question)  # before loading anything: a bad question fails at once
        events, through_server = answer_events(settings, question, top_k, cancel, local)
        try:
            for event in events:
                if event.event == "token" and printer is not None:
                    printer.token(event.text)
                elif event.answer is not None:
                    answer = event.answer
        finally:
            # Ctrl-C (or any error) mid-answer: the model stops at its next token and is freed
            # (through a server: the connection closes, and the server cancels the answer).
            cancel.set()
            events.close()
    except AssistantError as error:
        raise fail_for(error) from None
    except KeyboardInterrupt:
        if printer is not None:
            printer.end_line()
        raise interrupted("Cancelled: the answer was not finished.") from None
    if printer is None:
        typer.echo(answer.model_dump_json(include=JSON_FIELDS, indent=2))
    else:
        printer.finish(answer)
        if through_server:
            # Only a server's answer can be rated later: it is the one that keeps the answer.
            say(f"Answer id: {answer.id} (rate it with POST /v1/feedback)")


def answer_events(settings, question: str, top_k: int | None, cancel, local: bool):
    """The answer's events from a ready server at the configured address, or from a service
    loaded here, and whether they come from a server; a note on stderr says which (a server
    that is not ready: why)."""
    from launch.answer_printout import printable
    from launch.ask_client import find_server, server_url, stream_from_server

    url = None if local else server_url(settings)
    found = find_server(url) if url else None
    if found is not None and found.ready:
        say(f"Answered by the server at {url} ({printable(found.detail)}).")
        return stream_from_server(url, question, top_k, settings.api_key.get_secret_value()), True
    if found is not None:
        say(f"The server at {url} is not ready ({printable(found.detail)}): answering in-process.")
    elif local:
        say("Answering in-process (--local).")
    elif url is None:
        say("Answering in-process (ASSISTANT_SERVER_URL=off).")
    else:
        say(f"Answering in-process (no assistant server at {url}).")
    from assistant.composition import build_service

    with notes.status("Loading the index and the model…"):
        service = build_service(settings)
    return service.stream(question, top_k=top_k, cancel=cancel), False


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (default 127.0.0.1, ASSISTANT_HOST).")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port (default 8000, ASSISTANT_PORT).")] = None,
) -> None:
    """Serve the HTTP API (/v1, docs at /docs) with the models loaded once."""
    import logging

    import uvicorn

    from assistant.server.exposure import exposure_warning
    from assistant.server.http_protocol import connection_options
    from assistant.server.logs import setup_logging
    from launch.memory import bound_allocator
    from launch.web import create_web_app

    bound_allocator()  # before any thread: a long-running server must give back what it frees
    settings = load_settings()
    host = host or settings.host
    port = port or settings.port
    warning = exposure_warning(host, bool(settings.api_key.get_secret_value()))
    setup_logging(settings)
    if settings.log_format == "json":  # every line a JSON object: no Rich text on the streams
        if warning:
            logging.getLogger("assistant.server").warning(warning)
    else:
        if warning:
            errors.print(f"[bold red]{warning}[/]", highlight=False)
        console.print(f"Serving on http://{host}:{port} (API docs: http://{host}:{port}/docs)", highlight=False)
    # log_config=None: uvicorn's records go through the handler set up above, in its format.
    uvicorn.run(
        create_web_app(settings),
        host=host,
        port=port,
        log_level="info",
        access_log=False,
        log_config=None,
        **connection_options(settings),
    )


@app.command(name="eval")
def evaluate(
    backend: Annotated[
        str | None,
        typer.Option(help="LLM backend to evaluate: embedded, gguf, openai or extractive (default: the settings')."),
    ] = None,
    report: Annotated[Path, typer.Option(help="Folder for report.md, report.json and the chart.")] = Path(
        "reports/eval"
    ),
) -> None:
    """Run the evaluation suite (evals/dataset.yaml, both splits); check evals/thresholds.yaml on the locked one."""
    from rich.progress import Progress
    from rich.table import Table

    from assistant.composition import build_service
    from assistant.errors import SetupError
    from evals.dataset import load_cases
    from evals.suite import evaluate as run_evaluation

    settings = load_settings()
    if backend is not None:
        if backend not in ("embedded", "gguf", "openai", "extractive"):
            raise fail(f"unknown backend '{backend}': use embedded, gguf, openai or extractive", 2)
        settings = settings.model_copy(update={"llm_backend": backend})
    try:
        service = build_service(settings)
    except SetupError as error:
        raise fail_for(error) from None
    cases = load_cases()
    with Progress(console=notes, transient=True) as progress:
        task = progress.add_task(f"Evaluating {service.backend}", total=len(cases))
        result = run_evaluation(
            service, settings.backend, settings.cleaned_dir, report, cases, lambda _: progress.advance(task)
        )
    table = Table(title=f"Evaluation of {service.backend}", title_justify="left")
    for column in ("metric", "value", "threshold", "status"):
        table.add_column(column)
    for verdict in result.verdicts:
        colour = {"pass": "green", "known gap": "yellow"}.get(verdict.status, "red")
        table.add_row(verdict.metric, f"{verdict.value:g}", verdict.bar, f"[{colour}]{verdict.status}[/]")
    console.print(table)
    metrics = result.suite.metrics
    console.print(
        f"latency p50/p95: retrieval {metrics['latency_retrieval_p50_ms']:.0f}/{metrics['latency_retrieval_p95_ms']:.0f} ms,"
        f" first text {metrics['latency_first_token_p50_ms']:.0f}/{metrics['latency_first_token_p95_ms']:.0f} ms,"
        f" answer {metrics['latency_total_p50_ms']:.0f}/{metrics['latency_total_p95_ms']:.0f} ms"
    )
    if result.lift is not None:  # the LLM against the extractive backend, locked in-scope questions
        console.print(
            "LLM lift on the locked split: "
            + ", ".join(f"{metric} {mine:g} vs {base:g}" for metric, mine, base, _ in result.lift.rows())
        )
    if result.guard is not None and (guard := result.guard.splits.get("locked")):
        console.print(
            f"Guard on the locked half of its labelled set: faithful accepted {guard['guard_faithful_accepted']:g},"
            f" wrong accepted {guard['guard_false_accept']:g} ({guard['guard_wrong_accepted']:g} sentences,"
            " listed in the report)"
        )
    console.print(f"Report: {result.report}")
    if result.blocking:
        raise fail("below threshold: " + ", ".join(f"{v.metric} {v.value:g} ({v.bar})" for v in result.blocking))


@app.command(name="ui")
def ui_alone(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port.")] = 7860,
) -> None:
    """Serve the chat UI on its own (Gradio); `assistant serve` mounts it at /ui beside the API."""
    from assistant.composition import build_service
    from assistant.errors import SetupError
    from assistant.server.exposure import exposure_warning
    from launch.memory import bound_allocator
    from launch.standalone_ui import launch_ui

    bound_allocator()  # a long-running server, like `serve`
    settings = load_settings()
    key = settings.api_key.get_secret_value()
    warning = exposure_warning(host, bool(key))
    if warning:
        errors.print(f"[bold red]{escape(warning)}[/]", highlight=False)
    try:
        with notes.status("Loading the index and the model…"):
            service = build_service(settings)
        launch_ui(service, settings, host, port, quiet=notes.quiet)  # until Ctrl-C
    except SetupError as error:
        raise fail_for(error) from None
    except OSError as error:  # Gradio's "Cannot find empty port": the port is taken
        raise fail(str(error)) from None


@app.command()
def calibrate() -> None:
    """Measure the abstention threshold on evals/calibration.jsonl and the tuning split; print the value to store.

    stdout is one line, ASSISTANT_ABSTAIN_BELOW=<threshold>, ready for .env; the scores
    of each question are a table on stderr."""
    from rich.table import Table
    from rich.text import Text

    from assistant.errors import SetupError
    from evals.calibrate import calibrate_index

    settings = load_settings()
    try:
        with notes.status("Scoring the calibration questions…"):
            result = calibrate_index(settings)
    except SetupError as error:
        raise fail_for(error) from None
    table = Table(title="Evidence scores of the calibration questions", title_justify="left")
    table.add_column("score", justify="right")
    table.add_column("scope")
    table.add_column("question", overflow="fold")
    for question, inside, score in sorted(result.scores, key=lambda row: row[2]):
        table.add_row(f"{score:.3f}", "in" if inside else "out", Text(question))
    notes.print(table)
    notes.print(
        f"balanced accuracy {result.balanced_accuracy:.2f}; lowest in-scope {result.lowest_in_scope:.3f},"
        f" highest out-of-scope {result.highest_out_of_scope:.3f}; stored now:"
        f" ASSISTANT_ABSTAIN_BELOW={settings.abstain_below}",
        highlight=False,
    )
    typer.echo(f"ASSISTANT_ABSTAIN_BELOW={result.threshold:.3f}")


def parse_sizes(text: str) -> list[int]:
    """Chunk counts from "11,1000,5000"; anything else is bad input (exit 2)."""
    try:
        sizes = [int(part.replace("_", "")) for part in text.replace(" ", ",").split(",") if part]
    except ValueError:
        raise fail(f"--sizes takes chunk counts separated by commas (e.g. 11,1000,5000), not '{text}'", 2) from None
    if not sizes or any(not 1 <= size <= 100_000 for size in sizes):
        raise fail(f"--sizes: each size must be between 1 and 100,000 chunks, got '{text}'", 2)
    return sizes


@app.command()
def bench(
    quick: Annotated[
        bool, typer.Option("--quick", help="Tiny sizes and a few questions: a smoke run of minutes.")
    ] = False,
    out: Annotated[Path, typer.Option(help="Folder for bench.json, bench.md and bench.png.")] = Path(".data/bench"),
    sizes: Annotated[
        str | None,
        typer.Option(help="Corpus sizes in chunks, comma-separated (default 11,1000,5000,20000; --quick 11,200)."),
    ] = None,
) -> None:
    """Measure ingestion, retrieval, answers, a plain LangChain chain and the server, each beside its floor."""
    from assistant.errors import SetupError
    from evals.bench.run import FULL_SIZES, QUICK_SIZES, BenchPlan, run_bench

    chosen = parse_sizes(sizes) if sizes is not None else list(QUICK_SIZES if quick else FULL_SIZES)
    if out.exists() and not out.is_dir():
        raise fail(f"--out {out} is a file, not a folder", 2)
    settings = load_settings()
    if not settings.corpus_dir.is_dir():
        raise fail(f"the corpus folder {settings.corpus_dir} does not exist (set ASSISTANT_CORPUS_DIR)")
    try:
        run_bench(settings, BenchPlan(chosen, quick, out), lambda line: notes.print(escape(line), highlight=False))
    except SetupError as error:
        raise fail_for(error) from None
    except KeyboardInterrupt:
        raise interrupted(f"Interrupted: the sizes finished so far are in {out}.") from None
    console.print(f"Bench report: {out / 'bench.md'}", highlight=False)


app.command(name="gaps")(gaps)
app.add_typer(feedback_app, name="feedback")


# What `assistant ask --json` prints: the answer object of the API, minus its internals.
JSON_FIELDS = {
    "id",
    "answer",
    "citations",
    "abstained",
    "grounded",
    "backend",
    "timings_ms",
    "sentences",
    "question",
    "standalone_question",
    "closest_sections",
    "notes",
    "index_version",
}


if __name__ == "__main__":  # pragma: no cover
    app()
