"""Find the corpus files and read each one into blocks plus its metadata.

A file that cannot be used raises ``CorpusFileError`` with a message that names it and
says why; the pipeline reports it and goes on with the other files.

Only what lies inside the corpus folder is read. A symbolic link to a file is followed when
its target is inside the corpus folder too (the file is ingested under the link's own
name); a link that leads outside is refused by name. Linked folders are never descended
into: one leading outside is refused by name, one inside adds nothing that is not already
in the folder (and could loop). A path given on the command line must lie in the corpus
folder as well, so every ``source`` is a path relative to it, never an absolute one.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ingest.blocks import ParsedText, parse_html, parse_markdown, parse_text
from ingest.errors import CorpusFileError

__all__ = [
    "MAX_FILE_BYTES",
    "SIDECAR_SUFFIX",
    "SUPPORTED_SUFFIXES",
    "CorpusFileError",
    "LoadedFile",
    "discover",
    "load_file",
    "source_name",
]

_PARSERS = {".txt": parse_text, ".md": parse_markdown, ".markdown": parse_markdown,
            ".html": parse_html, ".htm": parse_html}
SUPPORTED_SUFFIXES = tuple(_PARSERS)
# Metadata that cannot live in the file itself (the article is kept exactly as delivered)
# sits beside it: career-paths.txt -> career-paths.meta.json.
SIDECAR_SUFFIX = ".meta.json"
# Larger files are refused before they are read: a 50 MB text file made 103,301 chunks and
# hours of embedding. ASSISTANT_MAX_FILE_BYTES (assistant.settings) overrides it.
MAX_FILE_BYTES = 5_000_000


@dataclass
class LoadedFile:
    source: str  # path relative to the corpus folder, with / separators: the file's identity
    path: Path
    parsed: ParsedText
    metadata: dict[str, str]


def source_name(path: Path, corpus_dir: Path) -> str:
    """The file's path relative to the corpus folder; ``CorpusFileError`` when it lies outside.

    The folders on the way are resolved but not the file itself, so a link keeps its own
    name; then the file's real target must be inside the corpus folder as well.
    """
    root = corpus_dir.resolve()
    # abspath, not resolve: it folds "corpus/../x" lexically without following the last link.
    absolute = Path(os.path.abspath(path))
    try:
        source = (absolute.parent.resolve() / absolute.name).relative_to(root).as_posix()
    except (ValueError, OSError, RuntimeError):
        # The folder named in full and quoted: "corpus folder corpus" read like a typo.
        raise CorpusFileError(str(path), f"is outside the corpus folder; copy it to '{root}' to ingest it") from None
    try:
        target = path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a loop of links (Python 3.11)
        raise CorpusFileError(source, "is a loop of symbolic links") from None
    if not target.is_relative_to(root):
        raise CorpusFileError(
            source, "is a symbolic link that leads outside the corpus folder; only links inside it are followed"
        )
    return source


def _leaves(path: Path, root: Path) -> bool:
    try:
        return not path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):
        return True


def _is_sidecar(path: Path) -> bool:
    return path.name.endswith(SIDECAR_SUFFIX)


def discover(corpus_dir: Path, paths: Iterable[Path] = ()) -> list[Path]:
    """The files to ingest: the given paths (folders expanded) or the whole corpus folder.

    Hidden files and metadata sidecars are skipped; unsupported files are returned too, so
    that loading them reports a clear error instead of silently ignoring them. So are links
    and given folders that lead outside the corpus folder, unexpanded: ``load_file`` refuses
    them by name.
    """
    corpus_root = corpus_dir.resolve()
    roots = list(paths) or [corpus_dir]
    found: list[Path] = []
    for root in roots:
        if root.is_dir() and _leaves(root, corpus_root):
            found.append(root)
            continue
        # rglob does not descend into linked folders (Python 3.11); they are listed, and
        # handled below.
        candidates = sorted(root.rglob("*")) if root.is_dir() else [root]
        for path in candidates:
            relative_parts = path.relative_to(root).parts if root.is_dir() else (path.name,)
            if any(part.startswith(".") for part in relative_parts):
                continue
            if path.is_symlink() and _leaves(path, corpus_root):
                found.append(path)
                continue
            if path.is_dir() or _is_sidecar(path):
                continue
            found.append(path)
    return found


def _read_sidecar(path: Path, source: str, corpus_dir: Path, max_bytes: int) -> dict[str, str]:
    sidecar = path.with_name(path.name[: -len(path.suffix)] + SIDECAR_SUFFIX)
    if not sidecar.exists():
        return {}
    if _leaves(sidecar, corpus_dir.resolve()):
        raise CorpusFileError(
            source, f"its metadata file {sidecar.name} is a link that leads outside the corpus folder"
        )
    try:
        data = json.loads(_read_bytes(sidecar, source, max_bytes).decode("utf-8"))
    except CorpusFileError as error:
        raise CorpusFileError(source, f"its metadata file {sidecar.name} {error.reason}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CorpusFileError(source, f"its metadata file {sidecar.name} is not valid JSON ({error})") from None
    if not isinstance(data, dict):
        raise CorpusFileError(source, f"its metadata file {sidecar.name} must hold a JSON object")
    return {str(key).lower(): str(value) for key, value in data.items() if value is not None}


def _read_bytes(path: Path, source: str, max_bytes: int) -> bytes:
    """The file's bytes; refused unread when it is over ``max_bytes`` or not a regular file."""
    try:
        info = path.stat()
        # Checked before open(): opening a FIFO would block, and a huge file is never read.
        if not stat.S_ISREG(info.st_mode):
            raise CorpusFileError(source, "is not a regular file")
        if info.st_size > max_bytes:
            raise CorpusFileError(source, _too_large(info.st_size, max_bytes))
        with path.open("rb") as file:
            raw = file.read(max_bytes + 1)  # bounded: the file may have grown since stat()
    except FileNotFoundError:
        raise CorpusFileError(source, "file not found") from None
    except OSError as error:
        raise CorpusFileError(source, f"cannot be read ({error.strerror or error})") from None
    if len(raw) > max_bytes:
        raise CorpusFileError(source, _too_large(len(raw), max_bytes))
    return raw


def _too_large(size: int, max_bytes: int) -> str:
    return (
        f"is too large ({size:,} bytes; the limit is {max_bytes:,}): split it, or raise "
        f"ASSISTANT_MAX_FILE_BYTES to ingest it"
    )


def load_file(path: Path, corpus_dir: Path, max_bytes: int = MAX_FILE_BYTES) -> LoadedFile:
    source = source_name(path, corpus_dir)
    parser = _PARSERS.get(path.suffix.lower())
    if parser is None:
        supported = ", ".join(sorted({".txt", ".md", ".html"}))
        raise CorpusFileError(source, f"unsupported file type '{path.suffix or '(none)'}' (supported: {supported})")
    raw = _read_bytes(path, source, max_bytes)
    if b"\x00" in raw:
        raise CorpusFileError(source, "looks like a binary file, not text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CorpusFileError(source, f"is not UTF-8 text (bad byte at position {error.start})") from None
    if not text.strip():
        raise CorpusFileError(source, "is empty")
    parsed = parser(text)
    if not parsed.blocks:
        raise CorpusFileError(source, "has no readable text")
    metadata = {**parsed.metadata, **_read_sidecar(path, source, corpus_dir, max_bytes)}
    return LoadedFile(source=source, path=path, parsed=parsed, metadata=metadata)
