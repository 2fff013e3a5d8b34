"""The composition root: every part of the assistant built from Settings, in one place.

The CLI, the HTTP server, the UI and the evaluation all build through here, so they all
get the same index, models and thresholds. Heavy parts load when built: call each
builder once per process.
"""

from __future__ import annotations

from collections.abc import Callable

from assistant.blas import single_threaded_blas
from assistant.errors import IndexMissingError
from assistant.gate import GenerationGate
from assistant.llm import backend_label, build_chat_model
from assistant.retrieval import HybridRetriever
from assistant.service import AnswerService
from assistant.settings import Settings
from assistant.snapshot_files import SnapshotFiles
from ingest.embeddings import LazyEmbeddings, model_identity
from ingest.ingestor import Ingestor
from ingest.record import IngestRecord
from ingest.store import ChunkStore, make_chroma_client

__all__ = ["build_embeddings", "build_ingestor", "build_retriever", "build_service", "build_store"]


def build_embeddings(settings: Settings) -> LazyEmbeddings:
    return LazyEmbeddings(settings.embedding_model_path, batch_size=settings.embedding_batch_size)


def build_store(settings: Settings, embeddings: LazyEmbeddings | None = None) -> ChunkStore:
    client = make_chroma_client(settings.chroma_url, settings.chroma_dir)
    location = settings.chroma_url or str(settings.chroma_dir)
    return ChunkStore(client, settings.collection, embeddings or build_embeddings(settings), location)


def build_ingestor(settings: Settings, store: ChunkStore | Callable[[], ChunkStore] | None = None) -> Ingestor:
    """The ingestor; its store is opened when a run first needs it, unless one is given."""

    def keep_snapshot() -> None:
        """The new version's snapshot, saved for the server's next start (assistant.snapshot_files)."""
        try:
            HybridRetriever(ingestor.store, files=SnapshotFiles(settings.snapshot_dir))
        except IndexMissingError:  # the run removed every file: nothing to serve
            pass

    # Only an embedded store has one writer this host sees (ingest.record).
    record = None
    if not settings.chroma_url:
        # The model of the store given, else the settings' (what build_store will use).
        given = isinstance(store, ChunkStore)
        identity = store.embeddings.identity if given else model_identity(settings.embedding_model_path)
        record = IngestRecord(settings.ingest_record_path, settings.chroma_dir, settings.collection, identity)
    ingestor = Ingestor(
        store or (lambda: build_store(settings)),
        settings.corpus_dir,
        settings.cleaned_dir,
        settings.chunk_size,
        settings.chunk_overlap,
        max_file_bytes=settings.max_file_bytes,
        after_change=keep_snapshot,
        record=record,
    )
    return ingestor


def build_retriever(settings: Settings, embeddings: LazyEmbeddings | None = None) -> HybridRetriever:
    # The retriever's dense search is the process's one large BLAS product; left on every
    # core, its idle threads spin beside the embedding and the LLM (assistant.blas).
    single_threaded_blas()
    return HybridRetriever(build_store(settings, embeddings), files=SnapshotFiles(settings.snapshot_dir))


def build_service(
    settings: Settings, retriever: HybridRetriever | None = None, *, with_llm: bool = True, warm_up: bool = True
) -> AnswerService:
    """The answer service with the configured LLM (or none: ``with_llm=False`` for calibration)."""
    service = AnswerService(
        retriever or build_retriever(settings),
        build_chat_model(settings) if with_llm else None,
        backend=backend_label(settings) if with_llm else "extractive",
        top_k=settings.top_k,
        abstain_below=settings.abstain_below,
        llm_timeout_s=settings.llm_timeout_s,
        model_sentences=settings.llm_sentences,
        gate=GenerationGate(max_waiting=settings.queue_size, wait_timeout_s=settings.queue_timeout_s),
    )
    if warm_up:
        service.warm_up()
    return service
