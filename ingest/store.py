"""The index: a Chroma collection (embedded or on a server) and the record manager beside it.

The collection records which embedding model and dimension built it. Opening it with
another model raises ``IndexMismatchError`` instead of silently mixing vectors.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from langchain_core.documents import Document
from langchain_core.indexing import IndexingResult, RecordManager, index

from ingest.embeddings import LazyEmbeddings
from ingest.errors import IndexMismatchError, StoreUnavailableError

if TYPE_CHECKING:
    import chromadb
    from langchain_chroma import Chroma

    from assistant.settings import Settings

__all__ = ["ChunkStore", "IndexMismatchError", "StoreUnavailableError", "make_chroma_client", "make_record_manager"]

_MODEL_KEY = "embedding_model"
_DIMENSION_KEY = "embedding_dimension"


def make_chroma_client(settings: Settings) -> chromadb.ClientAPI:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        try:
            return chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except (ValueError, ConnectionError, OSError) as error:  # chromadb says ValueError("Could not connect ...")
            raise StoreUnavailableError(
                f"cannot reach the Chroma server at {settings.chroma_url} ({error}); start it with "
                "`chroma run --host 127.0.0.1 --port ...` or unset ASSISTANT_CHROMA_URL for the embedded store"
            ) from error
    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)


def make_record_manager(db_path: Path, namespace: str) -> RecordManager:
    # The persistent record manager lives in langchain-classic since LangChain 1.0.
    from langchain_classic.indexes import SQLRecordManager

    db_path.parent.mkdir(parents=True, exist_ok=True)
    manager = SQLRecordManager(namespace, db_url=f"sqlite:///{db_path}")
    manager.create_schema()
    return manager


class ChunkStore:
    """Chunks in Chroma, tracked by a record manager so re-ingesting writes only what changed."""

    def __init__(
        self,
        client: chromadb.ClientAPI,
        collection_name: str,
        embeddings: LazyEmbeddings,
        record_manager: RecordManager,
    ) -> None:
        self.client = client
        self.collection_name = collection_name
        self.embeddings = embeddings
        self.record_manager = record_manager
        self._vectorstore: Chroma | None = None

    @classmethod
    def from_settings(cls, settings: Settings, embeddings: LazyEmbeddings) -> ChunkStore:
        client = make_chroma_client(settings)
        where = settings.chroma_url or "embedded"
        manager = make_record_manager(settings.record_db, f"{where}/{settings.collection}")
        return cls(client, settings.collection, embeddings, manager)

    # -- the collection ----------------------------------------------------------------
    def _existing(self) -> chromadb.Collection | None:
        names = {getattr(c, "name", c) for c in self.client.list_collections()}
        return self.client.get_collection(self.collection_name) if self.collection_name in names else None

    def check_model(self) -> None:
        """Raise IndexMismatchError when the stored index was built with another model."""
        collection = self._existing()
        if collection is None:
            return
        built_with = (collection.metadata or {}).get(_MODEL_KEY)
        if built_with and built_with != self.embeddings.identity:
            dimension = (collection.metadata or {}).get(_DIMENSION_KEY, "?")
            raise IndexMismatchError(
                f"The index was built with the embedding model '{built_with}' ({dimension} dimensions), "
                f"but the settings ask for '{self.embeddings.identity}'. Vectors of two models cannot be "
                "mixed: run `assistant ingest --reset` to rebuild the index with the new model."
            )

    @property
    def vectorstore(self) -> Chroma:
        if self._vectorstore is None:
            from langchain_chroma import Chroma

            self.check_model()
            metadata = None
            if self._existing() is None:
                metadata = {_MODEL_KEY: self.embeddings.identity, _DIMENSION_KEY: self.embeddings.dimension}
            self._vectorstore = Chroma(
                client=self.client,
                collection_name=self.collection_name,
                embedding_function=self.embeddings,
                collection_metadata=metadata,
                collection_configuration={"hnsw": {"space": "cosine"}},
            )
        return self._vectorstore

    def count(self) -> int:
        collection = self._existing()
        return collection.count() if collection is not None else 0

    def sources(self) -> Counter[str]:
        """How many chunks each source has in the store."""
        collection = self._existing()
        if collection is None:
            return Counter()
        metadatas = collection.get(include=["metadatas"])["metadatas"] or []
        return Counter(str((m or {}).get("source", "")) for m in metadatas)

    def documents(self, source: str | None = None) -> list[Document]:
        collection = self._existing()
        if collection is None:
            return []
        result = collection.get(where={"source": source} if source else None, include=["documents", "metadatas"])
        docs = [
            Document(id=i, page_content=text or "", metadata=dict(meta or {}))
            for i, text, meta in zip(result["ids"], result["documents"], result["metadatas"], strict=True)
        ]
        return sorted(docs, key=lambda d: (d.metadata.get("source", ""), d.metadata.get("ordinal", 0)))

    # -- writing -------------------------------------------------------------------------
    def index(self, source: str, chunks: list[Document]) -> IndexingResult:
        """Bring one source's chunks in the store to exactly ``chunks``.

        scoped_full cleanup with the whole file in one call: an edited file replaces its
        own chunks and no other; ids are sha256 of content and metadata, so an
        interrupted run that is repeated upserts the same ids and leaves no duplicates.
        """
        return index(
            chunks,
            self.record_manager,
            self.vectorstore,
            batch_size=max(len(chunks), 1),
            cleanup="scoped_full",
            source_id_key="source",
            key_encoder="sha256",
        )

    def remove_source(self, source: str) -> int:
        """Delete every chunk of a source (a file removed from the corpus)."""
        keys = self.record_manager.list_keys(group_ids=[source])
        collection = self._existing()
        stored = collection.get(where={"source": source}, include=[])["ids"] if collection else []
        ids = sorted(set(keys) | set(stored))
        if ids and collection is not None:
            collection.delete(ids=ids)
        if keys:
            self.record_manager.delete_keys(keys)
        return len(ids)

    def untracked_ids(self) -> list[str]:
        """Ids in Chroma that the record manager does not know (left by a lost record file)."""
        collection = self._existing()
        if collection is None:
            return []
        ids = collection.get(include=[])["ids"]
        known = self.record_manager.exists(ids) if ids else []
        return [i for i, ok in zip(ids, known, strict=True) if not ok]

    def remove_untracked(self) -> int:
        """Delete chunks that the record manager does not know.

        They are what a run killed between writing vectors and recording them leaves
        behind when the file then changes before the next run.
        """
        ids = self.untracked_ids()
        collection = self._existing()
        if ids and collection is not None:
            collection.delete(ids=ids)
        return len(ids)

    def reset(self) -> None:
        """Drop the collection and forget its records."""
        if self._existing() is not None:
            self.client.delete_collection(self.collection_name)
        self._vectorstore = None
        keys = self.record_manager.list_keys()
        if keys:
            self.record_manager.delete_keys(keys)
