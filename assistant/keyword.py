"""Keyword retrieval: BM25 over the chunks, as a LangChain retriever.

bm25s keeps the index (every term's score in every chunk, precomputed in a sparse matrix)
and sums a query's columns. The scoring is rank-bm25's BM25Okapi, float for float, and the
order is the one its get_top_n gives, because the hybrid ranking (and so the answers) were
tuned with langchain-community's BM25Retriever, which is BM25Okapi underneath.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import bm25s
import numpy as np
from bm25s.scoring import _build_scores_and_indices_for_matrix
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import Field, PrivateAttr, model_validator

from assistant.terms import terms

__all__ = ["BM25Retriever", "okapi_idf"]


def okapi_idf(document_frequency: Sequence[int], document_count: int, epsilon: float = 0.25) -> list[float]:
    """BM25Okapi's idf: log((N - df + 0.5) / (df + 0.5)), but a term in more than half of
    the documents (negative idf) gets epsilon times the mean idf instead.

    Computed as rank-bm25 0.2.2 computes it (a difference of logs, the mean summed in the
    order given, which is the order terms first occur in the corpus) so that scores agree
    to the last bit and ties stay ties.
    """
    idf = [math.log(document_count - df + 0.5) - math.log(df + 0.5) for df in document_frequency]
    total = 0.0
    for value in idf:
        total += value
    floor = epsilon * (total / len(idf)) if idf else 0.0
    return [floor if value < 0 else value for value in idf]


class _OkapiIndex(bm25s.BM25):
    """bm25s's sparse index, with BM25Okapi's scores in it.

    bm25s's "atire" term-frequency part is BM25Okapi's, but none of its idf variants is
    (its "robertson" clips negative idf to 0, where BM25Okapi lifts it to a floor), and the
    idf is baked into the matrix. bm25s names build_index_from_ids as the method to override
    to build the index differently; this one differs from its own only in the idf array, and
    calls the same (private, hence the pinned version) helper of bm25s.scoring for the rest.
    """

    def __init__(self, k1: float, b: float, epsilon: float) -> None:
        # float64: rank-bm25 scores in float64, and float32 would merge near ties.
        super().__init__(k1=k1, b=b, method="atire", dtype="float64")
        self.epsilon = epsilon

    def build_index_from_ids(
        self,
        unique_token_ids: list[int],
        corpus_token_ids: list[list[int]],
        show_progress: bool = False,
        leave_progress: bool = False,
    ) -> dict[str, Any]:
        self.nonoccurrence_array = None  # only BM25L and BM25+ have one; the query scorer reads it
        document_count = len(corpus_token_ids)
        frequency = Counter(t for tokens in corpus_token_ids for t in set(tokens))
        idf = okapi_idf([frequency[t] for t in unique_token_ids], document_count, self.epsilon)
        idf_array = np.zeros(len(unique_token_ids), dtype=self.dtype)
        idf_array[unique_token_ids] = idf
        average_length = sum(len(tokens) for tokens in corpus_token_ids) / document_count
        data, rows, columns = _build_scores_and_indices_for_matrix(
            corpus_token_ids=corpus_token_ids,
            idf_array=idf_array,
            avg_doc_len=average_length,
            doc_frequencies=frequency,
            k1=self.k1,
            b=self.b,
            delta=self.delta,
            nonoccurrence_array=None,
            method=self.method,
            dtype=self.dtype,
            int_dtype=self.int_dtype,
            show_progress=False,
        )
        data, indices, indptr = self._np_csc(data, rows, columns, (document_count, len(unique_token_ids)))
        return {"data": data.astype(self.dtype), "indices": indices, "indptr": indptr, "num_docs": document_count}


class BM25Retriever(BaseRetriever):
    """The k documents that score highest by BM25 (Okapi: k1, b and the idf floor epsilon).

    Build it from documents and the tokenizer that queries will go through, or, when the
    documents' tokens are already at hand, give them as `tokens` (one list per document,
    made by the same tokenizer) and they are not tokenised again.
    """

    documents: list[Document] = Field(repr=False)
    tokenizer: Callable[[str], list[str]] = terms
    tokens: list[list[str]] | None = Field(default=None, repr=False)
    k: int = Field(4, ge=1)
    k1: float = 1.5
    b: float = 0.75
    epsilon: float = 0.25

    _index: bm25s.BM25 | None = PrivateAttr(default=None)
    _vocabulary: dict[str, int] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _build(self) -> BM25Retriever:
        if not self.documents:
            raise ValueError("BM25Retriever needs at least one document")
        if self.tokens is not None and len(self.tokens) != len(self.documents):
            raise ValueError(f"{len(self.tokens)} token lists for {len(self.documents)} documents")
        corpus = self.tokens if self.tokens is not None else [self.tokenizer(d.page_content) for d in self.documents]
        # Term ids in order of first occurrence: the order rank-bm25 sums the idf mean in.
        # A local name, not the private attribute: pydantic's __getattr__ serves those, and
        # the lookup below runs once per token (a million at 20,000 chunks).
        vocabulary = {term: i for i, term in enumerate(dict.fromkeys(t for tokens in corpus for t in tokens))}
        self._vocabulary = vocabulary
        if vocabulary:  # else no query term can match: every score stays 0
            self._index = _OkapiIndex(self.k1, self.b, self.epsilon)
            token_ids = [[vocabulary[t] for t in tokens] for tokens in corpus]
            self._index.index((token_ids, dict(vocabulary)), create_empty_token=False, show_progress=False)
        return self

    @classmethod
    def prebuilt(
        cls, documents: list[Document], index: bm25s.BM25 | None, vocabulary: dict[str, int], *, k: int = 4
    ) -> BM25Retriever:
        """One over an index built before (by ``index_parts`` of another, saved and loaded):
        nothing is tokenised or scored again. ``index`` is None when no document has a term."""
        retriever = cls.model_construct(documents=documents, k=k)  # skips _build, which the index replaces
        retriever._index, retriever._vocabulary = index, vocabulary
        return retriever

    @property
    def index_parts(self) -> tuple[bm25s.BM25 | None, dict[str, int]]:
        """The index and its term ids: what ``prebuilt`` takes back."""
        return self._index, self._vocabulary

    def get_scores(self, query: str) -> np.ndarray:
        """Every document's BM25 score for the query, in the order of `documents`."""
        ids = [self._vocabulary[t] for t in self.tokenizer(query) if t in self._vocabulary]
        if self._index is None or not ids:
            return np.zeros(len(self.documents))
        return self._index.get_scores_from_ids(ids)

    def ranked(self, query: str, k: int | None = None) -> list[tuple[Document, float]]:
        """The top k documents with their scores, best first."""
        scores = self.get_scores(query)
        # The very sort rank-bm25's get_top_n does. NumPy's default sort is not stable (its SIMD
        # sorts leave ties in no set order), so equal scores come out exactly as they did there
        # only through the same call on the same scores.
        order = np.argsort(scores)[::-1][: self.k if k is None else k]
        return [(self.documents[i], float(scores[i])) for i in order]

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, k: int | None = None
    ) -> list[Document]:
        return [document for document, _score in self.ranked(query, k)]
