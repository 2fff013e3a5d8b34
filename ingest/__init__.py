"""From article files to chunks in Chroma: load, clean, structure, chunk, embed and store."""

from ingest.errors import CorpusFileError, IndexMismatchError, StoreUnavailableError
from ingest.ingestor import Ingestor, IngestReport
from ingest.store import ChunkStore

__all__ = ["ChunkStore", "CorpusFileError", "IndexMismatchError", "IngestReport", "Ingestor", "StoreUnavailableError"]
