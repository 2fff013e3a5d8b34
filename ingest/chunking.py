"""Cut a structured document into chunks whose offsets point into the cleaned text.

The cleaned document is the kept blocks joined by blank lines; it is what citation
offsets refer to, so ``cleaned_text[start:end] == chunk.page_content`` always holds.
A section (a Q&A pair included) is one chunk when it fits; a longer one is split by
langchain-text-splitters at paragraph, line and then sentence borders, with overlap,
so that no sentence is cut at a chunk border unless it alone is longer than a chunk.
"""

from __future__ import annotations

from dataclasses import dataclass

from langchain_core.documents import Document
from langchain_text_splitters import RecursiveCharacterTextSplitter

from ingest.blocks import Block
from ingest.structure import Section

__all__ = ["SECTION_SEPARATOR", "CleanedDocument", "chunk_document", "render"]

SECTION_SEPARATOR = " > "
_BLOCK_JOINER = "\n\n"
# Split at paragraph, then line, then sentence borders; words and characters only as a last
# resort for a single sentence longer than a chunk.
_SEPARATORS = [r"\n\n", r"\n", r"(?<=[.!?])\s+", r"\s+", ""]


@dataclass
class CleanedDocument:
    text: str
    spans: list[tuple[int, int]]  # (start, end) of each block in text


def render(blocks: list[Block]) -> CleanedDocument:
    spans: list[tuple[int, int]] = []
    position = 0
    for block in blocks:
        spans.append((position, position + len(block.text)))
        position += len(block.text) + len(_BLOCK_JOINER)
    return CleanedDocument(_BLOCK_JOINER.join(b.text for b in blocks), spans)


def _splitter(chunk_size: int, chunk_overlap: int) -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter(
        chunk_size=chunk_size,
        chunk_overlap=chunk_overlap,
        separators=_SEPARATORS,
        is_separator_regex=True,
        keep_separator="end",
        add_start_index=True,
    )


def chunk_document(
    document: CleanedDocument,
    sections: list[Section],
    metadata: dict[str, str],
    chunk_size: int,
    chunk_overlap: int,
) -> list[Document]:
    """One Document per chunk, in document order, with its section and exact offsets.

    ``metadata`` (source, title, author ...) is copied onto every chunk.
    """
    splitter = _splitter(chunk_size, chunk_overlap)
    chunks: list[Document] = []
    pending_heading: int | None = None
    for section in sections:
        if section.heading_only:
            # A heading with nothing under it ("Q & A" before its first item) opens the next
            # chunk, so that its words are indexed too.
            if pending_heading is None:
                pending_heading = section.blocks[0]
            continue
        first = pending_heading if pending_heading is not None else section.blocks[0]
        pending_heading = None
        start = document.spans[first][0]
        end = document.spans[section.blocks[-1]][1]
        text = document.text[start:end]
        pieces = [(0, text)] if len(text) <= chunk_size else [
            (piece.metadata["start_index"], piece.page_content) for piece in splitter.create_documents([text])
        ]
        for offset, piece in pieces:
            if text[offset : offset + len(piece)] != piece:  # find() in the splitter can miss on repeats
                offset = text.index(piece)
            chunks.append(
                Document(
                    page_content=piece,
                    metadata={
                        **metadata,
                        "section": SECTION_SEPARATOR.join(section.path),
                        "question": section.question,
                        "start": start + offset,
                        "end": start + offset + len(piece),
                        "ordinal": len(chunks),
                    },
                )
            )
    return chunks
