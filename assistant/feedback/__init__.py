"""Readers' feedback: answers rated +1/-1 (with an optional comment), kept in a SQLite file
with the question as read; the down-voted and abstained questions feed `assistant feedback
export` (evaluation items to label) and the content-gap report."""

from assistant.feedback.observer import RememberAnswers, remembering
from assistant.feedback.records import AnswerRecord, StoredAnswer
from assistant.feedback.service import CHAT_ID_PREFIX, MAX_COMMENT_CHARS, RECENT_ANSWERS, FeedbackService
from assistant.feedback.store import FeedbackStore

__all__ = [
    "CHAT_ID_PREFIX",
    "MAX_COMMENT_CHARS",
    "RECENT_ANSWERS",
    "AnswerRecord",
    "FeedbackService",
    "FeedbackStore",
    "RememberAnswers",
    "StoredAnswer",
    "remembering",
]
