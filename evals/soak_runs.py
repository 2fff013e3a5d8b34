"""The two setups of a soak, started, warmed up, loaded and measured in turn: two replicas
behind one llama.cpp server, then one replica with the in-process model. Both share one
`chroma run` with the corpus ingested once."""

from __future__ import annotations

import asyncio
import random
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

import httpx

from evals.dataset import load_cases
from evals.processes import rss_bytes
from evals.soak_figures import figures
from evals.soak_load import run_load
from evals.soak_stack import (
    LLAMA_ALIAS,
    Replica,
    ingest_corpus,
    start_chroma,
    start_llama_server,
    start_replica,
)

__all__ = ["SOAK_SETTINGS", "SoakError", "run_setups", "say", "soak_questions"]

# Each replica admits 1 + 2 requests to its model and turns the rest away at once with 503 and
# Retry-After, so 32 clients exercise the busy path on purpose. A turn with the LLM is bounded by
# 20 s (past it the answer falls back to quotes, still a 200), so the last in line waits for 2
# turns, about 40 s, plus retrieval: a 3x margin under the 120 s queue limit. (With 4 waiting, a
# machine loaded by other work once pushed a wait past 120 s: a 504 from arithmetic, not a defect.)
SOAK_SETTINGS = {
    "ASSISTANT_QUEUE_SIZE": "2",
    "ASSISTANT_LLM_TIMEOUT_S": "20",
    "ASSISTANT_QUEUE_TIMEOUT_S": "120",
    "ASSISTANT_API_KEY": "",  # loopback only; a key in the caller's environment must not lock us out
}
REQUEST_TIMEOUT_S = 120 + 20 + 60  # queue limit + LLM turn + room: a client gives up only on a hung server
WARM_UP_QUESTION = "Do staff engineers only write code?"


class SoakError(Exception):
    """The soak could not be run (not: it ran and failed its bars)."""


def soak_questions() -> list[tuple[str, bool]]:
    """The dataset's questions that need no history, in and out of scope, in a fixed mixed order."""
    cases = [c for c in load_cases() if c.category in ("gold", "paraphrase", "out_of_scope")]
    random.Random(13).shuffle(cases)
    return [(case.question, bool(case.in_scope)) for case in cases]


def say(message: str) -> None:
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

    say(f"{setup}: {clients} clients for {seconds:g} s")
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
    say(f"{setup}: {run['requests']} requests, statuses {run['statuses']}")
    return run


def run_setups(work: Path, corpus: Path, clients: int, seconds: float, warmup_s: float, threads: int) -> list[dict]:
    runs = []
    with ExitStack() as shared:
        say("starting chroma run and ingesting the corpus")
        chroma_url = start_chroma(shared, work)
        ingest_corpus(work, corpus, chroma_url)
        common = {**SOAK_SETTINGS, "ASSISTANT_CHROMA_URL": chroma_url, "ASSISTANT_CORPUS_DIR": str(corpus)}

        with ExitStack() as scaled:
            say("starting the llama.cpp server and two replicas")
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
            say("starting one replica with the in-process model")
            embedded = {**common, "ASSISTANT_LLM_BACKEND": "embedded", "ASSISTANT_LLM_THREADS": str(threads)}
            replica = start_replica(single, work, "embedded", embedded)
            runs.append(_measure("1 replica, in-process model", [replica], clients, seconds, warmup_s))
    return runs
