"""The feedback service: readers rate answers (+1 helpful, -1 not), and the questions the
assistant could not answer well are kept for whoever improves the articles.

Privacy: a question is written to disk only with a rating (the reader's click is the
consent), or for every answer when ASSISTANT_LOG_QUESTIONS=true. So each answer waits in
memory (the last RECENT_ANSWERS) for a rating that may never come, and is stored with it.
Nothing about the reader is kept: no address, no key, no session.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from assistant.answer import Answer
from assistant.errors import DataFolderError, FeedbackError, QuestionError, UnknownAnswerError
from assistant.feedback.records import AnswerRecord, StoredAnswer
from assistant.feedback.store import FeedbackStore
from assistant.questions import clean_text
from assistant.settings import Settings

__all__ = ["CHAT_ID_PREFIX", "MAX_COMMENT_CHARS", "RECENT_ANSWERS", "FeedbackService"]

log = logging.getLogger("assistant.feedback")

# Answers kept in memory for a rating. A reader rates within minutes; at one answer a
# second this is close to three hours of answers, and at 1 to 3 KB an answer (the article's
# answers measured: text and citations as JSON) about 30 MB at most. Past it the oldest
# answer is dropped first.
RECENT_ANSWERS = 10_000
MAX_COMMENT_CHARS = 2000
# A chat completion's id is the answer's with this prefix (assistant.server.completion).
CHAT_ID_PREFIX = "chatcmpl-"
RATINGS = {1: "helpful", -1: "not helpful"}


class FeedbackService:
    """One per process: it outlives index swaps (an answer from the index before is still rated)."""

    def __init__(
        self,
        store: FeedbackStore,
        *,
        log_questions: bool = False,
        recent: int = RECENT_ANSWERS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.log_questions = log_questions
        self.recent = recent
        self.clock = clock
        self._waiting: OrderedDict[str, AnswerRecord] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, clock: Callable[[], float] = time.time) -> FeedbackService:
        store = FeedbackStore(settings.feedback_path, settings.feedback_retention_days, clock)
        return cls(store, log_questions=settings.log_questions, clock=clock)

    def remember(self, answer: Answer) -> None:
        """Keep an answer for a rating (on disk too when questions are logged). Never raises:
        it runs on the answer path, which a full disk must not break."""
        record = AnswerRecord.of(answer, self.clock())
        with self._lock:
            self._waiting[record.id] = record
            self._waiting.move_to_end(record.id)
            while len(self._waiting) > self.recent:
                self._waiting.popitem(last=False)
        if self.log_questions:
            try:
                self.store.add(record)
            except DataFolderError as error:  # the message names the file, never the question
                log.error("a question was not logged: %s", error)

    def rate(self, answer_id: str, rating: int, comment: str = "") -> None:
        """Store a rating (+1 or -1, with an optional comment) of an answer this process gave,
        or one already stored; a second rating of the same answer replaces the first. Returns
        once it is on disk."""
        if isinstance(rating, bool) or rating not in RATINGS:
            raise FeedbackError("the rating must be 1 (helpful) or -1 (not helpful)")
        if not isinstance(comment, str):
            raise FeedbackError("the comment must be text")
        if len(comment) > MAX_COMMENT_CHARS:
            raise FeedbackError(f"the comment is longer than {MAX_COMMENT_CHARS} characters")
        try:
            comment = clean_text(comment, "the comment")
        except QuestionError as error:
            raise FeedbackError(str(error)) from None
        answer_id = answer_id.removeprefix(CHAT_ID_PREFIX) if isinstance(answer_id, str) else ""
        with self._lock:
            record = self._waiting.get(answer_id)
        if not answer_id or not self.store.rate(answer_id, rating, comment, record):
            raise UnknownAnswerError(
                "no answer with this id: an answer can be rated only while the server that gave it runs (its last "
                f"{self.recent:,} answers), unless questions are logged (ASSISTANT_LOG_QUESTIONS=true)"
            )

    def withdraw(self, answer_id: str) -> None:
        """Take a rating back (a thumb clicked again): its rating and comment are deleted, and
        the stored question with them unless questions are logged, since the rating was the
        consent to keep it. The answer stays in memory, so it can be rated again. An answer
        known but never rated is a no-op; one neither stored nor in memory is unknown."""
        answer_id = answer_id.removeprefix(CHAT_ID_PREFIX) if isinstance(answer_id, str) else ""
        with self._lock:
            waiting = answer_id in self._waiting
        if not answer_id or not (self.store.withdraw(answer_id, keep_answer=self.log_questions) or waiting):
            raise UnknownAnswerError(
                "no answer with this id: it was never rated on this server, or its rating is older than the "
                "retention period"
            )

    def stored(self, answer_id: str) -> StoredAnswer | None:
        """A stored answer with its rating (None: not on disk)."""
        return self.store.get(answer_id.removeprefix(CHAT_ID_PREFIX))

    def flagged(self) -> list[StoredAnswer]:
        """Stored answers that abstained or were down-voted, oldest first."""
        return self.store.flagged()

    def gap_questions(self) -> list[tuple[str, str]]:
        """(question as read, reason) of each stored answer that abstained ("abstained") or
        was down-voted ("down-voted"): the questions the articles may not cover well."""
        return [(s.record.question_as_read, s.reason) for s in self.flagged() if s.reason is not None]

    def close(self) -> None:
        self.store.close()
