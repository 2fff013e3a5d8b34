"""GET /v1/gaps: what readers asked that the article does not answer, grouped by topic,
behind the API key like the rest of /v1."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from assistant.gaps import GapReport, build_gap_report
from assistant.server.deps import Service, State, require_api_key
from assistant.server.errors import ERROR_RESPONSES

router = APIRouter(prefix="/v1", tags=["gaps"], dependencies=[Depends(require_api_key)])


@router.get("/gaps", response_model=GapReport, responses=ERROR_RESPONSES)
def gaps(state: State, service: Service) -> GapReport:
    """The questions the assistant abstained on, or whose answers readers down-voted, grouped
    by topic (largest first), each group with its count, reasons, most central questions and
    the article sections nearest it: what readers want that the article does not say. The
    same report as `assistant gaps --json`; empty until questions are stored (a reader's
    rating, or ASSISTANT_LOG_QUESTIONS=true)."""
    # A plain def: FastAPI runs it in a worker thread, so embedding the questions (a second
    # or so for hundreds) never blocks the event loop.
    return build_gap_report(state.feedback.gap_questions(), service)
