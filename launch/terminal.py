"""What every command prints through: the result on stdout, notes and errors on stderr, the
one mapping of the assistant's errors to messages and exit codes, and the settings read once
per command. Shared by launch.cli and its sub-commands' modules (feedback_cli, gaps_cli)."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape

__all__ = ["INTERRUPTED", "console", "errors", "fail", "fail_for", "interrupted", "load_settings", "notes", "say"]

console = Console(stderr=False)  # the result
notes = Console(stderr=True)  # progress, details, notes: quiet under --quiet
errors = Console(stderr=True)  # errors and warnings: always shown

# The exit status of a command stopped with Ctrl-C, as a shell reports it (128 + SIGINT).
INTERRUPTED = 130


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


def interrupted(message: str) -> typer.Exit:
    errors.print(escape(message), highlight=False)
    return typer.Exit(INTERRUPTED)


def say(note: str) -> None:
    """A note on stderr (quiet under --quiet), printed as is: no markup, no highlighting."""
    notes.print(note, markup=False, highlight=False, emoji=False, soft_wrap=True)
