"""Find the corpus files and read each one into blocks plus its metadata.

A file that cannot be used raises ``CorpusFileError`` with a message that names it and
says why; the pipeline reports it and goes on with the other files.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ingest.blocks import ParsedText, parse_html, parse_markdown, parse_text
from ingest.errors import CorpusFileError

__all__ = [
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


@dataclass
class LoadedFile:
    source: str  # path relative to the corpus folder, with / separators: the file's identity
    path: Path
    parsed: ParsedText
    metadata: dict[str, str]


def source_name(path: Path, corpus_dir: Path) -> str:
    try:
        return path.resolve().relative_to(corpus_dir.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def _is_sidecar(path: Path) -> bool:
    return path.name.endswith(SIDECAR_SUFFIX)


def discover(corpus_dir: Path, paths: Iterable[Path] = ()) -> list[Path]:
    """The files to ingest: the given paths (folders expanded) or the whole corpus folder.

    Hidden files and metadata sidecars are skipped; unsupported files are returned too, so
    that loading them reports a clear error instead of silently ignoring them.
    """
    roots = list(paths) or [corpus_dir]
    found: list[Path] = []
    for root in roots:
        candidates = sorted(root.rglob("*")) if root.is_dir() else [root]
        for path in candidates:
            relative_parts = path.relative_to(root).parts if root.is_dir() else (path.name,)
            if any(part.startswith(".") for part in relative_parts):
                continue
            if path.is_dir() or _is_sidecar(path):
                continue
            found.append(path)
    return found


def _read_sidecar(path: Path, source: str) -> dict[str, str]:
    sidecar = path.with_name(path.name[: -len(path.suffix)] + SIDECAR_SUFFIX)
    if not sidecar.exists():
        return {}
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CorpusFileError(source, f"its metadata file {sidecar.name} is not valid JSON ({error})") from None
    if not isinstance(data, dict):
        raise CorpusFileError(source, f"its metadata file {sidecar.name} must hold a JSON object")
    return {str(key).lower(): str(value) for key, value in data.items() if value is not None}


def load_file(path: Path, corpus_dir: Path) -> LoadedFile:
    source = source_name(path, corpus_dir)
    parser = _PARSERS.get(path.suffix.lower())
    if parser is None:
        supported = ", ".join(sorted({".txt", ".md", ".html"}))
        raise CorpusFileError(source, f"unsupported file type '{path.suffix or '(none)'}' (supported: {supported})")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CorpusFileError(source, "file not found") from None
    except OSError as error:
        raise CorpusFileError(source, f"cannot be read ({error.strerror or error})") from None
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
    metadata = {**parsed.metadata, **_read_sidecar(path, source)}
    return LoadedFile(source=source, path=path, parsed=parsed, metadata=metadata)
