"""Where a command writes its file (`--out`, `--plot`), checked before any work is done: an
empty path, a folder, or a folder that does not exist is refused at once, in one line, not
after the work (`assistant gaps` groups for tens of seconds) or in Typer's boxed usage error."""

from __future__ import annotations

from pathlib import Path

from launch.terminal import fail

__all__ = ["BAD_PATH_EXIT", "output_path"]

# A path that cannot be written is bad input, as every refused option is.
BAD_PATH_EXIT = 2


def output_path(option: str, value: str | None) -> Path | None:
    """``value`` as the file ``option`` names, or None when the option was not given.
    Raises the one-line error (exit 2) when no file can be written there."""
    if value is None:
        return None
    if not value.strip():
        raise fail(f"{option} is empty: give the file to write", BAD_PATH_EXIT)
    path = Path(value)
    if path.is_dir():
        raise fail(f"{option} {path} is a folder, not a file", BAD_PATH_EXIT)
    parent = path.parent
    if not parent.exists():
        raise fail(f"{option} {path}: the folder {parent} does not exist", BAD_PATH_EXIT)
    if not parent.is_dir():
        raise fail(f"{option} {path}: {parent} is not a folder", BAD_PATH_EXIT)
    return path
