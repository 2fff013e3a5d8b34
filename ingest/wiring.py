"""Build the index's parts from the settings, in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ingest.embeddings import LazyEmbeddings
from ingest.store import ChunkStore

if TYPE_CHECKING:
    from assistant.settings import Settings

__all__ = ["build_embeddings", "build_store"]


def build_embeddings(settings: Settings) -> LazyEmbeddings:
    return LazyEmbeddings(settings.embedding_model_path, batch_size=settings.embedding_batch_size)


def build_store(settings: Settings, embeddings: LazyEmbeddings | None = None) -> ChunkStore:
    return ChunkStore.from_settings(settings, embeddings or build_embeddings(settings))
