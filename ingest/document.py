"""From a loaded file to the cleaned text and its chunks: the pure, model-free half of ingestion."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from langchain_core.documents import Document

from ingest.chunking import chunk_document, render
from ingest.cleaning import clean_blocks
from ingest.loaders import CorpusFileError, LoadedFile
from ingest.structure import build_sections

__all__ = ["PreparedDocument", "prepare"]


@dataclass
class PreparedDocument:
    source: str
    title: str
    author: str
    cleaned_text: str
    chunks: list[Document]
    footnotes: dict[str, str]


def prepare(loaded: LoadedFile, chunk_size: int, chunk_overlap: int) -> PreparedDocument:
    cleaned = clean_blocks(loaded.parsed.blocks, loaded.metadata.get("title", ""))
    if not cleaned.blocks:
        raise CorpusFileError(loaded.source, "has no article text left once page chrome is removed")
    title = cleaned.title or PurePosixPath(loaded.source).stem.replace("-", " ").replace("_", " ")
    author = loaded.metadata.get("author", "")
    document = render(cleaned.blocks)
    chunks = chunk_document(
        document,
        build_sections(cleaned.blocks),
        {"source": loaded.source, "title": title, "author": author},
        chunk_size,
        chunk_overlap,
    )
    return PreparedDocument(loaded.source, title, author, document.text, chunks, cleaned.footnotes)
