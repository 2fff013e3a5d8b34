"""The `assistant` command line: one Typer app, one subcommand per job.

Heavy imports (torch, chromadb, LangChain) happen inside the commands, so `--help`
answers at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

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
    errors.print(f"[bold red]Error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def load_settings():
    from pydantic import ValidationError

    from assistant.settings import get_settings

    try:
        return get_settings()
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
    from assistant._ingest_view import IngestProgressBar, print_report
    from ingest.pipeline import Ingestor
    from ingest.store import IndexMismatchError
    from ingest.wiring import build_store

    settings = load_settings()
    if not paths and not settings.corpus_dir.is_dir():
        raise fail(f"the corpus folder {settings.corpus_dir} does not exist (set ASSISTANT_CORPUS_DIR)")
    try:
        store = build_store(settings)
        ingestor = Ingestor(store, settings.corpus_dir, settings.cleaned_dir, settings.chunk_size, settings.chunk_overlap)
        with IngestProgressBar(console) as progress:
            report = ingestor.run(paths or (), reset=reset, progress=progress)
    except IndexMismatchError as error:
        raise fail(str(error)) from None
    except ConnectionError as error:
        raise fail(f"cannot reach the Chroma server at {settings.chroma_url}: {error}") from None
    except Exception as error:  # a Chroma server that is down raises its own error types
        if settings.chroma_url and "connect" in str(error).lower():
            raise fail(f"cannot reach the Chroma server at {settings.chroma_url}: {error}") from None
        raise
    print_report(console, report, total_chunks=store.count())
    if report.failed:
        raise fail(f"{len(report.failed)} file(s) could not be ingested; the others were.", 1)


if __name__ == "__main__":  # pragma: no cover
    app()
