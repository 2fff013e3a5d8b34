"""The index: one Chroma collection (embedded or on a server), and the only record of what it holds.

Ingestion state lives next to the vectors, not in a local file: a chunk's id is the sha256
of its text and metadata, and each source's chunks are reconciled with Chroma's own
get/delete (add what is new, then delete what is gone). Chosen over a RecordManager kept
in a second collection because the id already is the record: there is nothing else to
keep consistent, and an ingest from any host or data folder against the same Chroma
server sees what the others wrote and converges to the same chunk set.

The collection records which embedding model and dimension built it. Opening it with
another model raises ``IndexMismatchError`` instead of silently mixing vectors.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import numpy as np
from langchain_core.documents import Document

from ingest.embeddings import LazyEmbeddings
from ingest.errors import DataFolderError, IndexMismatchError, StoreUnavailableError
from ingest.glossary import derive_glossary

if TYPE_CHECKING:
    import chromadb
    from langchain_chroma import Chroma

__all__ = [
    "ChunkStore",
    "SourceSync",
    "chunk_id",
    "data_folder_error",
    "forget_embedded_store",
    "index_version",
    "make_chroma_client",
]

_MODEL_KEY = "embedding_model"
_DIMENSION_KEY = "embedding_dimension"
# Written by each ingest that changed the chunk set: servers compare it to the version they
# loaded and swap in a fresh retriever when it moved (several replicas share one store).
_VERSION_KEY = "index_version"
# The corpus's short forms (ingest.glossary), derived with each new version: questions are
# read with them ("EM" -> engineering manager).
_GLOSSARY_KEY = "glossary"


def chunk_id(chunk: Document) -> str:
    """The chunk's identity: sha256 of its text and metadata (offsets included, so a chunk
    that moved is a new chunk and its citation offsets stay exact)."""
    payload = json.dumps({"text": chunk.page_content, "metadata": chunk.metadata}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def index_version(ids: list[str]) -> str:
    """The fingerprint of a chunk set. Ids are content hashes, so two ingests that leave the
    same chunks (from any host) give the same version, and any edit gives another."""
    digest = hashlib.sha256("\n".join(sorted(ids)).encode("ascii"))
    return digest.hexdigest()[:16]


@dataclass
class SourceSync:
    """What bringing one source up to date wrote."""

    added: int = 0
    removed: int = 0
    unchanged: int = 0

    @property
    def writes(self) -> int:
        return self.added + self.removed


def make_chroma_client(chroma_url: str, chroma_dir: Path) -> chromadb.ClientAPI:
    """A client of the Chroma server at chroma_url, or of the embedded store in chroma_dir."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
    if chroma_url:
        url = urlparse(chroma_url)
        try:
            return chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except (ValueError, ConnectionError, OSError) as error:  # chromadb says ValueError("Could not connect ...")
            raise StoreUnavailableError(
                f"cannot reach the Chroma server at {chroma_url} ({error}); start it with "
                "`chroma run --host 127.0.0.1 --port ...` or unset ASSISTANT_CHROMA_URL for the embedded store"
            ) from None
    try:
        chroma_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(chroma_dir), settings=chroma_settings)
    except Exception as error:  # chromadb's Rust bindings fail in many shapes on a folder they cannot use
        # Chroma caches the half-built client per path; a second attempt would then fail with
        # "'RustBindingsAPI' object has no attribute 'bindings'" instead of the real reason.
        from chromadb.api.shared_system_client import SharedSystemClient

        SharedSystemClient.clear_system_cache()
        raise data_folder_error(chroma_dir, error, "; Chroma writes to its folder even to read") from None


def forget_embedded_store(chroma_dir: Path) -> None:
    """Drop this process's cached Chroma system of an embedded store, so the next client reads
    what is on disk now (Chroma keeps one system per path, with its own copy of the index)."""
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient._identifier_to_system.pop(str(chroma_dir), None)


def data_folder_error(folder: Path, error: Exception, note: str = "") -> DataFolderError:
    """One line that names the folder and says what to do."""
    text = " ".join(str(error).split())
    if isinstance(error, PermissionError) or "readonly" in text or "read-only" in text.lower():
        return DataFolderError(
            f"the data folder {folder} is read-only ({text}){note}: make it writable (chmod, or `chattr -R -i` "
            "if it was made immutable) or set ASSISTANT_DATA_DIR to a writable copy"
        )
    return DataFolderError(f"cannot use the data folder {folder} ({type(error).__name__}: {text}); check ASSISTANT_DATA_DIR")


def _document(result: dict, i: int) -> Document:
    # model_construct: Chroma's own ids, texts and metadata, already of the right types;
    # validating 20,000 of them took a third of a large index's start-up.
    return Document.model_construct(
        id=result["ids"][i], page_content=result["documents"][i] or "", metadata=dict(result["metadatas"][i] or {})
    )


def _reading_order(document: Document) -> tuple[str, int]:
    return str(document.metadata.get("source", "")), document.metadata.get("ordinal", 0)


class ChunkStore:
    """Chunks in Chroma, reconciled per source so re-ingesting writes only what changed."""

    def __init__(
        self, client: chromadb.ClientAPI, collection_name: str, embeddings: LazyEmbeddings, location: str = ""
    ) -> None:
        self.client = client
        self.collection_name = collection_name
        self.embeddings = embeddings
        self.location = location  # the server's URL or the embedded store's folder, for messages
        self._vectorstore: Chroma | None = None

    def reopened(self) -> ChunkStore:
        """The same store, read afresh: what a server calls when another process changed it.

        A Chroma server always answers with what it holds, so its client is kept. An embedded
        store does not: this process's copy of its vector index misses what another process
        (``assistant ingest``) wrote, so a new client is made, with a new Chroma system in
        place of the cached one. Chroma looks its system up by path on each call, so clients
        still held by requests in flight move to the new one too.
        """
        client = self.client
        settings = client.get_settings()
        if settings.is_persistent:
            import chromadb

            forget_embedded_store(Path(settings.persist_directory))
            client = chromadb.PersistentClient(path=settings.persist_directory, settings=settings)
        return ChunkStore(client, self.collection_name, self.embeddings, self.location)

    @contextmanager
    def _reachable(self) -> Iterator[None]:
        """A Chroma server that went away is a StoreUnavailableError (a clear message; a server
        says so in /readyz and recovers by itself once the store is back), not an unexpected failure."""
        import httpx

        try:
            yield
        except httpx.TransportError as error:
            raise StoreUnavailableError(
                f"the vector store at {self.location} is unreachable ({error})"
            ) from None

    def ping(self) -> None:
        """Raise StoreUnavailableError unless the store answers."""
        with self._reachable():
            self.client.heartbeat()

    # -- reading ---------------------------------------------------------------------------
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

    def version(self) -> str:
        """The index version the last ingest wrote ("" before any, or with no collection)."""
        return self.stored_version() or ""

    def stored_version(self) -> str | None:
        """What the store says of its index, in one small read cheap enough for every server
        to poll: the version the last ingest wrote; "" while the collection holds none (an
        ingest is filling a new or reset collection, or one stopped half-way); None when there
        is no collection at all (never ingested, reset, or a Chroma server that lost its data).
        A server tells these apart to say why it still answers from an older index."""
        with self._reachable():
            collection = self._existing()
        return str((collection.metadata or {}).get(_VERSION_KEY, "")) if collection is not None else None

    def mark_version(self) -> str:
        """Record the version of the chunk set the store holds now, and the glossary derived
        from it; writes only when either moved (or the glossary was never written)."""
        collection = self._existing()
        if collection is None:
            return ""
        with self._reachable():
            version = index_version(collection.get(include=[])["ids"])
            metadata = dict(collection.metadata or {})
            if metadata.get(_VERSION_KEY) != version or _GLOSSARY_KEY not in metadata:
                glossary = json.dumps(derive_glossary(self.documents()), sort_keys=True)
                with self._writable():
                    # modify() replaces the whole metadata: keep the model's record in it
                    collection.modify(metadata={**metadata, _VERSION_KEY: version, _GLOSSARY_KEY: glossary})
        return version

    def glossary(self) -> dict[str, str] | None:
        """The short forms the last ingest derived, or None for an index written before them."""
        with self._reachable():
            collection = self._existing()
        stored = (collection.metadata or {}).get(_GLOSSARY_KEY) if collection is not None else None
        if not isinstance(stored, str):
            return None
        try:
            glossary = json.loads(stored)
        except ValueError:
            return None
        return {str(k): str(v) for k, v in glossary.items()} if isinstance(glossary, dict) else None

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

    def _pages(self, include: list[str], where: dict | None = None, page: int = 2000) -> Iterator[tuple[int, dict]]:
        """The collection read ``page`` chunks per call, as (position, Chroma's result) with each
        chunk id once: Chroma's one get of 20,002 chunks with their vectors peaked at 0.76 GB
        above the process and kept 0.47 GB of it, which put an ingest over 2 GB. A chunk that
        moves between pages while an ingest writes is read once; such a read is of no one
        version, and its readers (assistant.retrieval) neither save it nor keep it past the
        next version check."""
        seen: set[str] = set()
        with self._reachable():
            collection = self._existing()
            offset = 0
            while collection is not None:
                result = collection.get(include=include, where=where, limit=page, offset=offset)
                for i, chunk_id in enumerate(result["ids"]):
                    if chunk_id not in seen:
                        seen.add(chunk_id)
                        yield i, result
                if len(result["ids"]) < page:
                    return
                offset += page

    def snapshot(self, page: int = 2000) -> tuple[list[Document], np.ndarray]:
        """Every chunk, in reading order, and their stored vectors (one row each)."""
        documents: list[Document] = []
        rows: list[np.ndarray] = []
        for i, result in self._pages(["documents", "metadatas", "embeddings"], page=page):
            documents.append(_document(result, i))
            rows.append(np.asarray(result["embeddings"][i], dtype=np.float32))
        if not documents:
            return [], np.zeros((0, 0), dtype=np.float32)
        order = sorted(range(len(documents)), key=lambda i: _reading_order(documents[i]))
        return [documents[i] for i in order], np.stack(rows)[order]

    def documents(self, source: str | None = None) -> list[Document]:
        return self._documents({"source": source} if source else None)

    def question_chunks(self) -> list[Document]:
        """The chunks that answer one of an article's own Q&A questions (metadata ``question``
        set), in reading order: the UI's examples, read without loading every chunk."""
        # Chroma's $ne also matches chunks without the key: the filter below leaves them out.
        return [d for d in self._documents({"question": {"$ne": ""}}) if d.metadata.get("question")]

    def _documents(self, where: dict | None) -> list[Document]:
        """The chunks ``where`` selects (all for None), without vectors, in reading order."""
        documents = [_document(result, i) for i, result in self._pages(["documents", "metadatas"], where)]
        return sorted(documents, key=_reading_order)

    def _ids_of(self, source: str) -> set[str]:
        return self._ids_by_source([source]).get(source, set())

    def _ids_by_source(self, sources: list[str]) -> dict[str, set[str]]:
        """The stored chunk ids of each of ``sources``, read in one call."""
        collection = self._existing()
        if collection is None or not sources:
            return {}
        result = collection.get(where={"source": {"$in": sources}}, include=["metadatas"])
        found: dict[str, set[str]] = {}
        for i, meta in zip(result["ids"], result["metadatas"] or [], strict=True):
            found.setdefault(str((meta or {}).get("source", "")), set()).add(i)
        return found

    # -- writing -------------------------------------------------------------------------
    @contextmanager
    def _writable(self) -> Iterator[None]:
        """A store that refuses writes (a read-only data folder) is one clear DataFolderError."""
        try:
            with self._reachable():
                yield
        except (StoreUnavailableError, IndexMismatchError):
            raise
        except Exception as error:
            if "readonly" not in str(error) and not isinstance(error, PermissionError):
                raise
            raise data_folder_error(Path(self.location), error) from None

    def sync_source(self, source: str, chunks: list[Document]) -> SourceSync:
        """Bring one source's chunks in the store to exactly ``chunks``."""
        return self.sync_sources({source: chunks})[source]

    def sync_sources(self, wanted_by_source: dict[str, list[Document]]) -> dict[str, SourceSync]:
        """Bring each source's chunks in the store to exactly its list, for several sources at
        once: one read of what they hold, one embedding pass over all their new chunks (full
        batches for the model, where one small file alone would make a small one) and one add.

        New chunks are added before old ones are deleted, so a reader never finds a source
        empty; a run killed in between leaves extra chunks that the next run of any host
        deletes, since the store itself is the record.
        """
        stored = self._ids_by_source(list(wanted_by_source))
        synced: dict[str, SourceSync] = {}
        new: dict[str, Document] = {}
        gone: list[str] = []
        for source, chunks in wanted_by_source.items():
            wanted = {chunk_id(chunk): chunk for chunk in chunks}
            held = stored.get(source, set())
            fresh = {i: c for i, c in wanted.items() if i not in held and i not in new}
            removed = sorted(held - set(wanted))
            new.update(fresh)
            gone += removed
            synced[source] = SourceSync(added=len(fresh), removed=len(removed), unchanged=len(wanted) - len(fresh))
        with self._writable():
            if new:
                documents = [Document(id=i, page_content=c.page_content, metadata=c.metadata) for i, c in new.items()]
                self.vectorstore.add_documents(documents, ids=list(new))
            if gone:
                self.vectorstore.delete(ids=gone)
        return synced

    def remove_source(self, source: str) -> int:
        """Delete every chunk of a source (a file removed from the corpus)."""
        ids = sorted(self._ids_of(source))
        collection = self._existing()
        if ids and collection is not None:
            with self._writable():
                collection.delete(ids=ids)
        return len(ids)

    def reset(self) -> None:
        """Drop the collection."""
        if self._existing() is not None:
            with self._writable():
                self.client.delete_collection(self.collection_name)
        self._vectorstore = None
