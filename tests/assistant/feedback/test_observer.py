"""The feedback service hears every answer through the answer service's observer, passes the
news on to the observer it wraps, and is attached once however often a service is loaded."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from assistant.answer import Answer
from assistant.feedback import FeedbackService, FeedbackStore, RememberAnswers, remembering
from assistant.server.state import AssistantState
from assistant.service import AnswerObserver
from assistant.settings import Settings
from tests.assistant.feedback.answers import an_answer


class Noting(AnswerObserver):
    def __init__(self) -> None:
        self.heard: list[str] = []

    def answered(self, answer: Answer, verdicts: Mapping[str, int], model_asked: bool) -> None:
        self.heard.append(f"answered {answer.id}")

    def model_tokens(self, prompt: int, completion: int) -> None:
        self.heard.append(f"tokens {prompt}+{completion}")

    def refused_busy(self) -> None:
        self.heard.append("busy")


@pytest.fixture
def feedback(tmp_path) -> FeedbackService:
    return FeedbackService(FeedbackStore(tmp_path / "feedback.sqlite3"))


def test_it_remembers_the_answer_and_passes_everything_on(feedback):
    inner = Noting()
    observer = remembering(feedback, inner)
    answer = an_answer()
    observer.answered(answer, {}, model_asked=False)
    observer.model_tokens(10, 2)
    observer.refused_busy()
    assert inner.heard == [f"answered {answer.id}", "tokens 10+2", "busy"]
    feedback.rate(answer.id, 1)  # remembered, so it can be rated


def test_it_is_attached_once(feedback, tmp_path):
    observer = remembering(feedback, Noting())
    assert remembering(feedback, observer) is observer
    other = FeedbackService(FeedbackStore(tmp_path / "other.sqlite3"))
    assert isinstance(remembering(other, observer), RememberAnswers) and remembering(other, observer) is not observer
    assert isinstance(remembering(feedback, None), RememberAnswers)


@pytest.mark.integration
def test_the_state_attaches_its_one_feedback_service_to_each_service_it_loads(make_fake_service, tmp_path):
    service = make_fake_service()
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", index_check_s=0)
    state = AssistantState(settings, lambda _settings: service)
    state.start()
    state.wait(60)
    assert state.service is service and service.observer.feedback is state.feedback
    state._load()  # loaded again (the standalone UI's factory returns the same object): attached once
    assert service.observer.inner is None

    swapped = service.reindexed()  # an index swap keeps the ear on the answer path
    answer = swapped.ask("Will I lose my engineering chops if I move to product?")
    state.feedback.rate(answer.id, -1)
    assert state.feedback.stored(answer.id).record.index_version == swapped.index_version
    state.stop()
