"""The feedback service's ear on the answer path: an AnswerObserver that hands every answer
to FeedbackService.remember, then passes the news on to the observer it wraps (the server's
question noting and metrics), so one service object tells both."""

from __future__ import annotations

from collections.abc import Mapping

from assistant.answer import Answer
from assistant.feedback.service import FeedbackService
from assistant.service import AnswerObserver

__all__ = ["RememberAnswers", "remembering"]


class RememberAnswers:
    def __init__(self, feedback: FeedbackService, inner: AnswerObserver | None = None) -> None:
        self.feedback = feedback
        self.inner = inner

    def answered(self, answer: Answer, verdicts: Mapping[str, int], model_asked: bool) -> None:
        # Before the answer's `done` event leaves (the service tells its observer first), so a
        # reader who rates at once finds it.
        self.feedback.remember(answer)
        if self.inner is not None:
            self.inner.answered(answer, verdicts, model_asked)

    def model_tokens(self, prompt: int, completion: int) -> None:
        if self.inner is not None:
            self.inner.model_tokens(prompt, completion)

    def refused_busy(self) -> None:
        if self.inner is not None:
            self.inner.refused_busy()


def remembering(feedback: FeedbackService, observer: AnswerObserver | None) -> RememberAnswers:
    """``observer`` with the feedback service listening too (once: a service loaded again,
    as the standalone UI's is, is not wrapped twice)."""
    if isinstance(observer, RememberAnswers) and observer.feedback is feedback:
        return observer
    return RememberAnswers(feedback, observer)
