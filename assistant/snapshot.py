"""What retrieval builds over one version of the stored chunks before it can answer.

The chunks in reading order, their vectors as unit rows, the BM25 index and the term
counts the abstention rule and the question reader weigh. All of it follows from the chunk
set alone (and the model that made the vectors), so assistant.snapshot_files can keep it
on disk between starts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import bm25s
import numpy as np
from langchain_core.documents import Document

from assistant.keyword import BM25Retriever
from assistant.similarity import unit_rows
from assistant.terms import terms_of_words, words

__all__ = ["IndexSnapshot"]


@dataclass(frozen=True)
class IndexSnapshot:
    documents: list[Document]  # in reading order
    matrix: np.ndarray  # one unit row per document: a dot product is the cosine
    keyword_index: bm25s.BM25 | None  # None when no chunk has a term
    vocabulary: dict[str, int]  # BM25's term ids
    document_frequency: Counter[str]  # how many chunks hold each term
    word_frequency: Counter[str]  # each word's count over the chunks and their headings

    @classmethod
    def build(cls, documents: list[Document], vectors: np.ndarray) -> IndexSnapshot:
        # Each chunk's words are read once, for BM25's terms and the question reader's counts,
        # and not kept: all chunks' word lists at once were a tenth of a GB at 20,000 chunks.
        tokens: list[list[str]] = []
        document_frequency: Counter[str] = Counter()
        word_frequency: Counter[str] = Counter()
        for document in documents:
            chunk_words = words(document.page_content)
            word_frequency.update(chunk_words)
            word_frequency.update(words(str(document.metadata.get("section", ""))))
            tokens.append(terms_of_words(chunk_words))
            document_frequency.update(set(tokens[-1]))
        keyword_index, vocabulary = BM25Retriever(documents=documents, tokens=tokens).index_parts
        return cls(
            documents,
            unit_rows(np.asarray(vectors, dtype=np.float32)),
            keyword_index,
            vocabulary,
            document_frequency,
            word_frequency,
        )

    @property
    def ids(self) -> list[str]:
        return [d.id or "" for d in self.documents]
