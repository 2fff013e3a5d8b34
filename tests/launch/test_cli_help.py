"""`assistant --help` and each command's: a flag shows as a flag (issue 27), not `--json <bool>`,
while an option that takes a value keeps its type."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from launch.cli import app

runner = CliRunner()


def commands(group, path: list[str]) -> list[list[str]]:
    """The group itself, then every command in it, those of sub-apps too."""
    found = [path]
    for name, command in getattr(group, "commands", {}).items():
        found += commands(command, [*path, name])
    return found


# The app itself and every command it has, those added later too.
COMMANDS = commands(typer.main.get_command(app), [])


def help_of(command: list[str]) -> str:
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"}, terminal_width=200)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "assistant")
def test_no_option_reads_as_taking_a_bool(command):
    text = help_of(command)
    assert "--help" in text
    assert "<bool>" not in text, text


@pytest.mark.parametrize(
    "command,flags",
    [
        ([], ["--version", "--quiet"]),
        (["ingest"], ["--reset", "--json"]),
        (["ask"], ["--json", "--local"]),
        (["bench"], ["--quick"]),
    ],
)
def test_each_flag_is_listed_bare_and_valued_options_keep_their_type(command, flags):
    text = help_of(command)
    for flag in flags:
        row = next(line for line in text.splitlines() if re.match(rf"\s*│\s+{flag}\b", line))  # its row in the box
        # The flag, maybe its short form, then straight to its help: no type in between.
        assert re.search(rf"{flag}(\s+-\w)?\s{{2,}}[A-Z]", row), row
    if command == ["ask"]:
        assert re.search(r"--top-k\s+<int range>", text)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "assistant")
def test_help_wraps_its_sentences_to_the_terminal_not_to_the_source(command):
    """At 80 columns a docstring's own line breaks, kept, broke sentences after two words
    ("... where it listens / by the / settings, ...")."""
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "80", "NO_COLOR": "1"}, terminal_width=80)
    assert result.exit_code == 0, result.output
    head = result.output.split("╭")[0]  # the command's own help, above the boxes of options
    for line, after in zip(head.splitlines(), head.splitlines()[1:], strict=False):
        text, following = line.strip(), after.strip()
        if text and following:
            # A line is wrapped early only when the next word would not have fitted.
            assert len(line.rstrip()) + 1 + len(following.split()[0]) > 79, (line, after)
