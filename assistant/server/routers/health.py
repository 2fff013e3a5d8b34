"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from assistant.errors import StoreUnavailableError
from assistant.server.deps import State
from assistant.server.errors import error_response
from assistant.server.schemas import ErrorResponse, Health, Ready
from assistant.server.state import answering_from

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """The process is alive (answers even while models load or the LLM is busy)."""
    return Health()


@router.get("/readyz", response_model=Ready, responses={503: {"model": ErrorResponse, "description": "Not ready."}})
async def readyz(state: State) -> Ready | JSONResponse:
    """The index and the models are loaded; otherwise 503 with the reason."""
    service = state.service
    if service is None:
        return error_response(503, state.reason, "not_ready", headers={"Retry-After": "5"})
    ready = Ready(
        backend=service.backend,
        chunks=service.chunk_count,
        in_line=service.gate.admitted,
        index_version=service.index_version,
    )
    problems = []
    try:
        await run_in_threadpool(service.check_store)
    except StoreUnavailableError as error:
        # Still ready: answers come from the index snapshot in memory. New index versions wait
        # until the store is back, and a load balancer should not pull every replica out.
        problems.append(f"{error}: {answering_from(service)}")
    else:
        # The store answers but holds no index to follow (its data lost, a rebuild under way):
        # the index check's verdict, with the same snapshot still answering.
        if state.problem:
            problems.append(state.problem)
    if service.llm_problem:  # still ready: quotes keep serving while the LLM fails
        problems.append(service.llm_problem)
    if problems:
        ready.status, ready.problem = "degraded", "; ".join(problems)
    return ready
