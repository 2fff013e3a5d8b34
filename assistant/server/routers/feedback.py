"""POST /v1/feedback: a reader's rating of an answer, behind the API key like the rest of /v1."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from assistant.server.deps import State, require_api_key, require_json
from assistant.server.errors import ERROR_RESPONSES
from assistant.server.schemas import ErrorResponse, FeedbackRequest, FeedbackStored

router = APIRouter(prefix="/v1", tags=["feedback"], dependencies=[Depends(require_api_key)])

_RESPONSES = {
    **ERROR_RESPONSES,
    400: {"model": ErrorResponse, "description": "Malformed JSON, or a rating or comment that cannot be stored."},
    404: {
        "model": ErrorResponse,
        "description": "No answer with this id: rate an answer while the server that gave it runs, unless "
        "questions are logged (ASSISTANT_LOG_QUESTIONS=true).",
    },
    422: {"model": ErrorResponse, "description": "Invalid field (a rating other than 1/-1/up/down, a long comment)."},
}


@router.post(
    "/feedback",
    status_code=201,
    response_model=FeedbackStored,
    responses=_RESPONSES,
    dependencies=[Depends(require_json)],
)
def feedback(body: FeedbackRequest, state: State) -> FeedbackStored:
    """Rate an answer: 1 (helpful) or -1 (not), with an optional comment; a second rating of the
    same answer replaces the first. The question and answer are stored with it (nothing about
    who rated). 201 once the rating is on disk."""
    state.feedback.rate(body.answer_id, body.rating, body.comment)  # type: ignore[arg-type]
    return FeedbackStored(answer_id=body.answer_id.removeprefix("chatcmpl-"), rating=body.rating)
