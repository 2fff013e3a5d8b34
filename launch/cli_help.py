"""How `assistant --help` shows its options: a flag as a flag.

Typer's help puts each option's type beside it, flags too: `--json <bool>` reads as if it
took a value (`--json true`), which it does not. Every flag of the app and of each command,
`--help` included, is shown bare instead; options that take a value keep their type.

A command's help is its docstring, whose lines are broken to fit the source; Typer's help
keeps those breaks and then wraps to the terminal too, breaking sentences mid-line at 80
columns. Each paragraph is joined into one line first, and wrapped once, to the terminal.
"""

from __future__ import annotations

import re

from typer.core import TyperGroup

__all__ = ["FlagsAsFlags"]


def _bare_flags(params: list) -> list:
    for param in params:
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""  # the help shows the metavar, when set, in place of the type
    return params


def _paragraphs(text: str | None) -> str | None:
    """The help's paragraphs (split at blank lines), each on one line."""
    if not text:
        return text
    return "\n\n".join(" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip()))


class FlagsAsFlags(TyperGroup):
    """The app's group: its own flags and those of every command it hands out shown bare."""

    def get_params(self, ctx):
        return _bare_flags(super().get_params(ctx))

    def get_command(self, ctx, cmd_name):
        command = super().get_command(ctx, cmd_name)
        if type(command) is TyperGroup:
            # A sub-app (`assistant feedback ...`): its commands too. This class adds behaviour
            # only, no state, so the group becomes one of these as it is.
            command.__class__ = FlagsAsFlags
        if command is not None:
            command.help = _paragraphs(command.help)
            # get_help_option builds the command's --help once and keeps it.
            _bare_flags([*command.params, command.get_help_option(ctx)])
        return command
