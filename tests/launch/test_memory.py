"""The allocator set-up of long-running servers (launch.memory)."""

from __future__ import annotations

import subprocess
import sys

from launch import cli


def test_glibc_takes_the_bounded_allocator_settings():
    # In a child: the settings are per process, and this one's threads have started.
    done = subprocess.run(
        [sys.executable, "-c", "from launch.memory import bound_allocator; print(bound_allocator())"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "True"


def test_both_serving_commands_bound_the_allocator_before_starting():
    import inspect

    for command in (cli.serve, cli.ui_alone):
        source = inspect.getsource(command)
        assert source.index("bound_allocator()") < source.index("load_settings()")
