"""From article files to chunks in Chroma: load, clean, structure, chunk, embed, store.

The public names are imported lazily, so `import ingest.cleaning` stays light.
"""

from importlib import import_module

__all__ = ["ChunkStore", "IndexMismatchError", "IngestReport", "Ingestor", "build_store"]

_HOMES = {
    "ChunkStore": "ingest.store",
    "IndexMismatchError": "ingest.store",
    "IngestReport": "ingest.pipeline",
    "Ingestor": "ingest.pipeline",
    "build_store": "ingest.wiring",
}


def __getattr__(name: str):
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'ingest' has no attribute {name!r}")
