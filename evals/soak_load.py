"""The load of a soak: clients asking /v1/ask round-robin across replicas for a fixed time,
while every replica's /healthz is polled twice a second. It records what happened; the
figures are computed from the record (evals/soak_figures.py)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import httpx

__all__ = ["Answer", "LoadRecord", "Probe", "run_load"]

HEALTH_EVERY_S = 0.5
HEALTH_TIMEOUT_S = 5.0  # a probe slower than 1 s is already a gap; this only bounds a hung one


@dataclass
class Answer:
    """One POST /v1/ask as the client saw it."""

    replica: str
    status: int | str  # the HTTP status, or the name of the client-side error (ReadTimeout ...)
    latency_s: float
    retry_after: bool  # the response carried Retry-After
    in_scope: bool


@dataclass
class Probe:
    """One GET /healthz."""

    replica: str
    ok: bool
    latency_s: float


@dataclass
class LoadRecord:
    answers: list[Answer] = field(default_factory=list)
    probes: list[Probe] = field(default_factory=list)
    seconds: float = 0.0  # from the first request to the last answer (in-flight ones are waited for)


async def _ask(http: httpx.AsyncClient, base: str, question: str, timeout_s: float) -> tuple[int | str, float | None]:
    """(status or error name, Retry-After seconds when the server sent it)."""
    try:
        response = await http.post(f"{base}/v1/ask", json={"question": question}, timeout=timeout_s)
    except httpx.HTTPError as error:
        return type(error).__name__, None
    retry_after = response.headers.get("retry-after")
    return response.status_code, float(retry_after) if retry_after is not None else None


async def run_load(
    replicas: Mapping[str, str],
    questions: Sequence[tuple[str, bool]],
    *,
    clients: int,
    seconds: float,
    request_timeout_s: float,
    warmup_s: float = 0.0,
    at_warm_up: Callable[[], None] | None = None,
    headers: Mapping[str, str] | None = None,
) -> LoadRecord:
    """replicas: name -> base URL; questions: (text, in scope). No request starts after
    ``seconds``; those in flight then are waited for. ``at_warm_up`` runs ``warmup_s`` in."""
    loop = asyncio.get_running_loop()
    record = LoadRecord()
    turns = itertools.cycle(replicas.items())  # shared by all clients: round-robin
    asked = itertools.cycle(questions)
    start = loop.time()
    stop_at = start + seconds
    clients_done = asyncio.Event()

    async def client(http: httpx.AsyncClient) -> None:
        while loop.time() < stop_at:
            (name, base), (question, in_scope) = next(turns), next(asked)
            sent = loop.time()
            status, retry_after = await _ask(http, base, question, request_timeout_s)
            record.answers.append(Answer(name, status, loop.time() - sent, retry_after is not None, in_scope))
            if status == 503 and retry_after is not None:
                # The server asked this client to back off: an obedient client waits (not past the end).
                await asyncio.sleep(max(0.0, min(retry_after, stop_at - loop.time())))

    async def poll_health(http: httpx.AsyncClient, name: str, base: str) -> None:
        tick = loop.time()
        while not clients_done.is_set():
            sent = loop.time()
            try:
                ok = (await http.get(f"{base}/healthz", timeout=HEALTH_TIMEOUT_S)).status_code == 200
            except httpx.HTTPError:
                ok = False
            record.probes.append(Probe(name, ok, loop.time() - sent))
            tick += HEALTH_EVERY_S
            await asyncio.sleep(max(0.0, tick - loop.time()))  # the poll's pace

    async def warm_up_mark() -> None:
        await asyncio.sleep(warmup_s)  # a point in the run's time line, not a wait for anything
        if at_warm_up is not None:
            await asyncio.to_thread(at_warm_up)

    # Idle connections are dropped after 1 s, before uvicorn's own 5 s keep-alive closes them: with
    # httpx's default (also 5 s), a client back from a 5 s Retry-After could send on a connection the
    # server was closing that instant, and count a ReadError the server never saw.
    limits = httpx.Limits(max_connections=clients + 1, max_keepalive_connections=clients + 1, keepalive_expiry=1.0)
    async with (
        httpx.AsyncClient(limits=limits, headers=dict(headers or {})) as asking,
        httpx.AsyncClient() as probing,  # its own pool: a probe never queues behind the askers
    ):
        pollers = [asyncio.create_task(poll_health(probing, name, base)) for name, base in replicas.items()]
        marker = asyncio.create_task(warm_up_mark())
        try:
            await asyncio.gather(*(client(asking) for _ in range(clients)))
            record.seconds = loop.time() - start
            await marker  # a run shorter than its warm-up still samples once
        finally:
            clients_done.set()
            marker.cancel()
            await asyncio.gather(*pollers, return_exceptions=True)
    return record
