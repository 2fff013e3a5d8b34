"""`make soak`: a bounded load run on loopback, then the same load on one process.

1. One `chroma run`, the corpus ingested into it, one llama.cpp server with the bundled GGUF,
   and two `assistant serve` replicas (own data folders, backend openai to that server);
   --clients clients ask /v1/ask round-robin across them for --seconds.
2. One replica with the in-process (embedded) model, the same clients and seconds.

Writes soak.json and soak.md to --out and exits 1 when a status other than 200 or 503 with
Retry-After came back, a /healthz failed, or a replica's RSS drifted 10% or more in the
two-replica run. Every process it started is stopped, on failure and Ctrl-C too.

    python -m evals.soak [--seconds 60] [--clients 32] [--out .data/soak]
"""

from __future__ import annotations

import asyncio
import random
import shutil
import signal
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated

import httpx
import typer

from evals.dataset import load_cases
from evals.processes import LaunchError, rss_bytes
from evals.soak_figures import figures, problems
from evals.soak_load import run_load
from evals.soak_report import write_soak_report
from evals.soak_stack import (
    LLAMA_ALIAS,
    Replica,
    ingest_corpus,
    start_chroma,
    start_llama_server,
    start_replica,
)

__all__ = ["SOAK_SETTINGS", "soak_questions"]

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
# Each replica admits 1 + 4 requests to its model and turns the rest away at once with 503 and
# Retry-After, so 32 clients exercise the busy path on purpose. A turn with the LLM is bounded by
# 20 s (past it the answer falls back to quotes, still a 200), so the last in line waits at most
# about 5 x 20 s: the 120 s queue limit is never reached by arithmetic, and a 504 means a defect.
SOAK_SETTINGS = {
    "ASSISTANT_QUEUE_SIZE": "4",
    "ASSISTANT_LLM_TIMEOUT_S": "20",
    "ASSISTANT_QUEUE_TIMEOUT_S": "120",
    "ASSISTANT_API_KEY": "",  # loopback only; a key in the caller's environment must not lock us out
}
REQUEST_TIMEOUT_S = 120 + 20 + 60  # queue limit + LLM turn + room: a client gives up only on a hung server
WARM_UP_QUESTION = "Do staff engineers only write code?"

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


class SoakError(Exception):
    """The soak could not be run (not: it ran and failed its bars)."""


def soak_questions() -> list[tuple[str, bool]]:
    """The dataset's questions that need no history, in and out of scope, in a fixed mixed order."""
    cases = [c for c in load_cases() if c.category in ("gold", "paraphrase", "out_of_scope")]
    random.Random(13).shuffle(cases)
    return [(case.question, bool(case.in_scope)) for case in cases]


def _say(message: str) -> None:
    print(f"soak: {message}", file=sys.stderr, flush=True)


def _warm_up(replicas: Sequence[Replica]) -> None:
    """Each replica answers one question before the clock starts."""
    for replica in replicas:
        response = httpx.post(f"{replica.base}/v1/ask", json={"question": WARM_UP_QUESTION}, timeout=REQUEST_TIMEOUT_S)
        if response.status_code != 200:
            raise SoakError(f"{replica.name} answered the warm-up question with {response.status_code}")


def _answer_outcomes(replicas: Sequence[Replica]) -> dict[str, int]:
    """assistant_answers_total by outcome, summed over the replicas: how many answers the model
    wrote (answered), fell back to quotes (its timeout, say), abstained, or were turned away (busy)."""
    outcomes: dict[str, int] = {}
    for replica in replicas:
        for line in httpx.get(f"{replica.base}/metrics", timeout=30).text.splitlines():
            if line.startswith('assistant_answers_total{outcome="'):
                labels, value = line.rsplit(" ", 1)
                outcome = labels.split('"')[1]
                outcomes[outcome] = outcomes.get(outcome, 0) + int(float(value))
    return dict(sorted(outcomes.items()))


def _measure(setup: str, replicas: Sequence[Replica], clients: int, seconds: float, warmup_s: float) -> dict:
    _warm_up(replicas)
    after_warm_up: dict[str, int] = {}

    def sample() -> None:
        after_warm_up.update({r.name: rss_bytes(r.pid) for r in replicas})

    _say(f"{setup}: {clients} clients for {seconds:g} s")
    record = asyncio.run(
        run_load(
            {r.name: r.base for r in replicas},
            soak_questions(),
            clients=clients,
            seconds=seconds,
            request_timeout_s=REQUEST_TIMEOUT_S,
            warmup_s=warmup_s,
            at_warm_up=sample,
        )
    )
    rss = {r.name: (after_warm_up[r.name], rss_bytes(r.pid)) for r in replicas}
    run = {**figures(setup, record, rss), "outcomes": _answer_outcomes(replicas)}
    _say(f"{setup}: {run['requests']} requests, statuses {run['statuses']}")
    return run


def _run_setups(work: Path, corpus: Path, clients: int, seconds: float, warmup_s: float, threads: int) -> list[dict]:
    runs = []
    with ExitStack() as shared:
        _say("starting chroma run and ingesting the corpus")
        chroma_url = start_chroma(shared, work)
        ingest_corpus(work, corpus, chroma_url)
        common = {**SOAK_SETTINGS, "ASSISTANT_CHROMA_URL": chroma_url, "ASSISTANT_CORPUS_DIR": str(corpus)}

        with ExitStack() as scaled:
            _say("starting the llama.cpp server and two replicas")
            llm_url = start_llama_server(scaled, work, threads)
            openai = {
                **common,
                "ASSISTANT_LLM_BACKEND": "openai",
                "ASSISTANT_LLM_BASE_URL": llm_url,
                "ASSISTANT_LLM_MODEL": LLAMA_ALIAS,
            }
            replicas = [start_replica(scaled, work, f"replica-{n}", openai) for n in (1, 2)]
            runs.append(_measure("2 replicas + llama.cpp server", replicas, clients, seconds, warmup_s))

        with ExitStack() as single:
            _say("starting one replica with the in-process model")
            embedded = {**common, "ASSISTANT_LLM_BACKEND": "embedded", "ASSISTANT_LLM_THREADS": str(threads)}
            replica = start_replica(single, work, "embedded", embedded)
            runs.append(_measure("1 replica, in-process model", [replica], clients, seconds, warmup_s))
    return runs


@app.command()
def soak(
    seconds: Annotated[float, typer.Option(min=1, help="Length of each setup's load.")] = 60.0,
    clients: Annotated[int, typer.Option(min=1, max=1000, help="Concurrent clients.")] = 32,
    warmup: Annotated[float, typer.Option(min=0, help="Seconds into the load when RSS is first sampled.")] = 10.0,
    llm_threads: Annotated[
        int, typer.Option(min=1, max=64, help="Threads of the llama server and the in-process model.")
    ] = 2,
    out: Annotated[Path, typer.Option(help="Folder for soak.json, soak.md and the processes' logs.")] = Path(
        ".data/soak"
    ),
    corpus: Annotated[Path, typer.Option(help="Articles to ingest.")] = CORPUS,
) -> None:
    """Soak two replicas behind one Chroma server and one llama.cpp server, then one in-process replica."""
    if warmup >= seconds:
        raise typer.BadParameter(f"must be shorter than --seconds ({seconds:g})", param_hint="--warmup")
    if not corpus.is_dir():
        raise typer.BadParameter(f"{corpus} is not a folder", param_hint="--corpus")
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # a kill stops our processes like Ctrl-C
    work = out / "work"  # the processes' data and logs, kept for a look afterwards
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        runs = _run_setups(work, corpus.resolve(), clients, seconds, warmup, llm_threads)
    except KeyboardInterrupt:
        _say("interrupted; every process it started is stopped")
        raise typer.Exit(130) from None
    except (LaunchError, SoakError, httpx.HTTPError) as error:
        _say(f"could not run: {str(error).splitlines()[0]} (logs in {work})")
        raise typer.Exit(1) from None

    found = problems(runs[0], check_rss=True) + [p for run in runs[1:] for p in problems(run, check_rss=False)]
    settings = {
        "clients": clients, "seconds": seconds, "warmup_seconds": warmup, "llm_threads": llm_threads,
        "questions": len(soak_questions()), **SOAK_SETTINGS,
    }  # fmt: skip
    report = write_soak_report(out, settings, runs, found)
    print(f"soak: figures in {report} and {report.with_name('soak.json')}")
    if found:
        _say(f"FAILED: {found[0]}" + (f" (and {len(found) - 1} more in soak.md)" if len(found) > 1 else ""))
        raise typer.Exit(1)


if __name__ == "__main__":
    app(prog_name="python -m evals.soak")
