"""`assistant feedback ...`: what readers' ratings left in the feedback store.

Registered on the main app by launch.cli (`app.add_typer`); it prints through launch.terminal,
as every command does.
"""

from __future__ import annotations

from typing import Annotated

import typer

from launch.cli_help import FlagsAsFlags
from launch.output_paths import output_path
from launch.terminal import fail, fail_for, load_settings, notes, say

__all__ = ["app"]

app = typer.Typer(
    name="feedback",
    help="Readers' ratings of answers: the down-voted and abstained questions, ready to label.",
    no_args_is_help=True,
    cls=FlagsAsFlags,  # `--force`, not `--force <bool>`, as the main app shows flags
)


@app.command()
def export(
    out: Annotated[
        str | None,
        typer.Option(
            "--out",
            metavar="FILE",
            help="Write to this file (refused if it exists) instead of stdout.",
            show_default=False,
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="With --out: replace the file if it exists.")] = False,
) -> None:
    """Print the down-voted and abstained stored questions as unlabelled evaluation items (YAML, tuning split).

    The items are in evals/dataset.yaml's format; the file's head says how to label them."""
    from assistant.errors import SetupError
    from assistant.feedback import FeedbackStore
    from evals.feedback_items import feedback_yaml

    out_file = output_path("--out", out)  # an empty path or a folder: refused first, --force or not
    if out_file is not None and out_file.exists() and not force:
        # An export is where labelling starts: a file that exists may hold a person's labels.
        raise fail(
            f"--out {out_file} exists (it may hold labels): choose another file, or add --force to replace it", 2
        )
    if force and out_file is None:
        say("--force has no effect without --out: the items go to stdout.")
    settings = load_settings()
    if not settings.feedback_path.exists():
        notes.print(f"No feedback stored yet ({settings.feedback_path} does not exist).", highlight=False, markup=False)
    store = FeedbackStore(settings.feedback_path, settings.feedback_retention_days)
    try:
        flagged = store.flagged()
    except SetupError as error:
        raise fail_for(error) from None
    finally:
        store.close()
    text = feedback_yaml(flagged)
    if out_file is None:
        typer.echo(text, nl=False)
        return
    try:
        out_file.write_text(text, encoding="utf-8")
    except OSError as error:
        raise fail(f"cannot write {out_file}: {error.strerror or error}") from None
    notes.print(f"{len(flagged)} question(s) to label: {out_file}", highlight=False, markup=False)
