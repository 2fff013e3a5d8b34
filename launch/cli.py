"""The `assistant` command line: one Typer app, one subcommand per job.

Heavy imports (torch, chromadb, LangChain) happen inside the commands, so `--help`
answers at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

__all__ = ["app"]

app = typer.Typer(
    name="assistant",
    help="A career Q&A assistant that answers from the articles it has read, and proves it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=False)
errors = Console(stderr=True)


def fail(message: str, code: int = 1) -> typer.Exit:
    errors.print(f"[bold red]Error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def fail_for(error: Exception) -> typer.Exit:
    """The one mapping of the assistant's errors to a message and an exit code."""
    from assistant.errors import IndexMissingError, QuestionError

    if isinstance(error, IndexMissingError):
        return fail("there is no index yet: run `assistant ingest` (or `make run`) first")
    if isinstance(error, QuestionError):
        return fail(str(error), 2)
    return fail(str(error))


def load_settings():
    from pydantic import ValidationError

    from assistant.settings import Settings

    try:
        return Settings()  # read afresh: one command, one reading of the environment
    except ValidationError as error:
        problems = "; ".join(
            f"ASSISTANT_{'_'.join(map(str, e['loc'])).upper() or '?'}: {e['msg']}" for e in error.errors()
        )
        raise fail(f"invalid settings: {problems}", 2) from None


@app.callback()
def main() -> None:
    """Answer career questions from the articles in the corpus, with citations."""


@app.command()
def ingest(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Files or folders to ingest; default: the whole corpus folder.", show_default=False),
    ] = None,
    reset: Annotated[bool, typer.Option("--reset", help="Drop the index and build it anew.")] = False,
) -> None:
    """Clean, chunk, embed and store the corpus; only what changed is written."""
    from assistant.composition import build_ingestor
    from assistant.errors import SetupError
    from launch.ingest_printout import ingest_progress, print_report

    settings = load_settings()
    if not paths and not settings.corpus_dir.is_dir():
        raise fail(f"the corpus folder {settings.corpus_dir} does not exist (set ASSISTANT_CORPUS_DIR)")
    try:
        ingestor = build_ingestor(settings)
        # Progress goes to stderr, so stdout holds only the report.
        with ingest_progress(errors) as progress:
            report = ingestor.run(paths or (), reset=reset, progress=progress)
    except SetupError as error:
        raise fail_for(error) from None
    print_report(console, report, total_chunks=ingestor.store.count())
    if report.failed:
        raise fail(f"{len(report.failed)} file(s) could not be ingested; the others were.", 1)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in your own words.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")] = False,
    top_k: Annotated[int | None, typer.Option("--top-k", min=1, max=20, help="Passages to retrieve.")] = None,
) -> None:
    """Answer a question from the ingested articles, with numbered citations."""
    from assistant.composition import build_service
    from assistant.errors import AssistantError
    from assistant.questions import check_question
    from launch.answer_printout import print_answer

    settings = load_settings()
    try:
        question = check_question(question)  # before loading anything: a bad question fails at once
        service = build_service(settings)
        answer = service.ask(question, top_k=top_k)
    except AssistantError as error:
        raise fail_for(error) from None
    if json_output:
        typer.echo(answer.model_dump_json(include=JSON_FIELDS, indent=2))
    else:
        print_answer(console, answer)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (default 127.0.0.1, ASSISTANT_HOST).")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port (default 8000, ASSISTANT_PORT).")] = None,
) -> None:
    """Serve the HTTP API (/v1, docs at /docs) with the models loaded once."""
    import logging

    import uvicorn

    from assistant.server.exposure import exposure_warning
    from assistant.server.logs import setup_logging
    from launch.web import create_web_app

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
        create_web_app(settings), host=host, port=port, log_level="info", access_log=False, log_config=None
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
    """Run the evaluation suite (evals/dataset.yaml) and check evals/thresholds.yaml."""
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
    with Progress(console=console, transient=True) as progress:
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
    console.print(f"Report: {result.report}")
    if result.blocking:
        raise fail("below threshold: " + ", ".join(f"{v.metric} {v.value:g} ({v.bar})" for v in result.blocking))


# What `assistant ask --json` prints: the answer object of the API, minus its internals.
JSON_FIELDS = {
    "answer", "citations", "abstained", "grounded", "backend", "timings_ms", "sentences", "question",
    "standalone_question", "closest_sections", "notes",
}


if __name__ == "__main__":  # pragma: no cover
    app()
