"""The processes of a soak, on loopback: one `chroma run`, the corpus ingested into it, one
llama.cpp server, and `assistant serve` replicas. Each is entered on an ExitStack, so every
process started is stopped when the stack closes (an error or Ctrl-C included)."""

from __future__ import annotations

import os
import subprocess
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from assistant.llm import bundled_gguf_path
from evals import processes

__all__ = ["LLAMA_ALIAS", "Replica", "ingest_corpus", "start_chroma", "start_llama_server", "start_replica"]

LLAMA_ALIAS = "smollm2-135m"
# Offline, quiet children: no model hub, no Chroma telemetry.
QUIET_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
INGEST_LIMIT_S = 600


@dataclass
class Replica:
    name: str
    base: str
    pid: int


def start_chroma(stack: ExitStack, work: Path) -> str:
    """A `chroma run` storing under work/; returns its URL."""
    port = processes.free_port()
    argv = processes.chroma_argv(work / "chroma", port)
    stack.enter_context(
        processes.launched(argv, processes.chroma_heartbeat(port), work / "chroma.log", env=QUIET_ENV, limit_s=120)
    )
    return f"http://127.0.0.1:{port}"


def ingest_corpus(work: Path, corpus: Path, chroma_url: str) -> None:
    """`assistant ingest` of the corpus into the Chroma server, from its own data folder."""
    env = {
        **os.environ,
        **QUIET_ENV,
        "ASSISTANT_CHROMA_URL": chroma_url,
        "ASSISTANT_CORPUS_DIR": str(corpus),
        "ASSISTANT_DATA_DIR": str(work / "ingest-data"),
    }
    with (work / "ingest.log").open("w") as log:
        try:
            done = subprocess.run(
                [processes.tool("assistant"), "ingest"], env=env, cwd=work, stdout=log, stderr=subprocess.STDOUT,
                timeout=INGEST_LIMIT_S, check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired as error:
            raise processes.LaunchError(
                f"assistant ingest took over {INGEST_LIMIT_S} s; see {work / 'ingest.log'}"
            ) from error
    if done.returncode != 0:
        raise processes.LaunchError(f"assistant ingest exited with {done.returncode}; see {work / 'ingest.log'}")


def start_llama_server(stack: ExitStack, work: Path, threads: int) -> str:
    """llama.cpp's OpenAI-compatible server with the bundled GGUF; returns its /v1 URL."""
    port = processes.free_port()
    argv = processes.llama_server_argv(bundled_gguf_path(), port, LLAMA_ALIAS, threads)
    ready = processes.answers_200(f"http://127.0.0.1:{port}/v1/models")
    stack.enter_context(processes.launched(argv, ready, work / "llama-server.log", limit_s=120))
    return f"http://127.0.0.1:{port}/v1"


def start_replica(stack: ExitStack, work: Path, name: str, env: dict[str, str]) -> Replica:
    """`assistant serve` with its own data folder and the settings in env; returned once /readyz is 200."""
    port = processes.free_port()
    data = work / f"{name}-data"
    data.mkdir(parents=True, exist_ok=True)
    settings = {**QUIET_ENV, "ASSISTANT_DATA_DIR": str(data), **env}
    argv = [processes.tool("assistant"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    base = f"http://127.0.0.1:{port}"
    process = stack.enter_context(
        processes.launched(
            argv, processes.answers_200(f"{base}/readyz"), work / f"{name}.log", env=settings, cwd=work, limit_s=300
        )
    )
    return Replica(name, base, process.pid)
