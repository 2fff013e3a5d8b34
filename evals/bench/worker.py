"""Measurements that need a process of their own, so that peak memory is theirs alone.

    python -m evals.bench.worker ingest        # `assistant ingest` as the library runs it
    python -m evals.bench.worker ingest-floor  # the same texts: sentence-transformers + Chroma add, nothing else
    python -m evals.bench.worker load-floor    # the least a server must load: the model and the stored chunks

Each reads ASSISTANT_* settings from the environment (the bench sets the corpus and data
folders per size) and prints one JSON object: seconds, peak RSS and what it did.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time

__all__ = ["main"]


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # Linux: KiB


def _ingest() -> dict:
    from assistant.composition import build_ingestor
    from assistant.settings import Settings

    started = time.perf_counter()
    report = build_ingestor(Settings()).run()
    return {
        "seconds": round(time.perf_counter() - started, 4),  # an unchanged re-run takes milliseconds
        "chunks": report.total("chunks"),
        "writes": report.writes,
        "failed": len(report.failed),
        "peak_rss_mb": _peak_rss_mb(),
    }


def _ingest_floor(folder: str) -> dict:
    """The texts ingestion stores, embedded by sentence-transformers alone and added to a
    fresh Chroma collection in batches: the work ingestion cannot avoid."""
    from assistant.settings import Settings
    from evals.bench.corpus import real_documents
    from ingest.store import chunk_id

    settings = Settings()
    chunks = [
        c for d in real_documents(settings.corpus_dir, settings.chunk_size, settings.chunk_overlap) for c in d.chunks
    ]
    texts = [c.page_content for c in chunks]
    # Timed from before the imports: loading torch and Chroma is work ingestion cannot avoid
    # either, and its own figure counts them.
    started = time.perf_counter()
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(settings.embedding_model_path, device="cpu")
    vectors = model.encode(texts, batch_size=settings.embedding_batch_size, normalize_embeddings=True)
    embedded = time.perf_counter()
    client = chromadb.PersistentClient(path=folder, settings=ChromaSettings(anonymized_telemetry=False))
    collection = client.create_collection("floor", configuration={"hnsw": {"space": "cosine"}})
    step = client.get_max_batch_size()
    for begin in range(0, len(texts), step):
        end = begin + step
        collection.add(
            ids=[chunk_id(c) for c in chunks[begin:end]],
            documents=texts[begin:end],
            metadatas=[c.metadata for c in chunks[begin:end]],
            embeddings=vectors[begin:end],
        )
    finished = time.perf_counter()
    return {
        "seconds": round(finished - started, 2),
        "embed_seconds": round(embedded - started, 2),
        "add_seconds": round(finished - embedded, 2),
        "chunks": len(texts),
        "peak_rss_mb": _peak_rss_mb(),
    }


def _load_floor() -> dict:
    """What any server over this index must load: the embedding model (and one query through
    it) and every stored chunk with its vector. Timed from the interpreter's start by the caller."""
    from assistant.composition import build_store
    from assistant.settings import Settings

    store = build_store(Settings())
    store.embeddings.embed_query("load")
    documents, _ = store.snapshot()
    return {"chunks": len(documents), "peak_rss_mb": _peak_rss_mb()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m evals.bench.worker")
    parser.add_argument("job", choices=["ingest", "ingest-floor", "load-floor"])
    parser.add_argument("--folder", default="", help="ingest-floor: where its own Chroma store goes")
    args = parser.parse_args(argv)
    if args.job == "ingest":
        result = _ingest()
    elif args.job == "ingest-floor":
        result = _ingest_floor(args.folder)
    else:
        result = _load_floor()
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
