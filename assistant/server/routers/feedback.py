"""POST /v1/feedback: a reader's rating of an answer, and DELETE /v1/feedback/{answer_id}: the
rating taken back; behind the API key like the rest of /v1."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

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


_WITHDRAW_RESPONSES = {
    **ERROR_RESPONSES,
    404: {
        "model": ErrorResponse,
        "description": "No answer with this id: never rated here, or its rating is past the retention period.",
    },
    422: {"model": ErrorResponse, "description": "An id that cannot be an answer's."},
}


@router.delete("/feedback/{answer_id}", status_code=204, response_class=Response, responses=_WITHDRAW_RESPONSES)
def withdraw(
    answer_id: Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")], state: State
) -> Response:
    """Take a rating back: its rating and comment are deleted, and the stored question with them
    unless questions are logged (ASSISTANT_LOG_QUESTIONS=true). 204 once that is on disk; the
    answer can be rated again while the server that gave it runs."""
    state.feedback.withdraw(answer_id)
    return Response(status_code=204)
