"""The feedback service: what is written when (privacy), ratings, unknown ids, bad input, the
bounded memory of recent answers, the gap questions."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import AssistantError, FeedbackError, UnknownAnswerError
from assistant.feedback import FeedbackService, FeedbackStore
from assistant.settings import Settings
from tests.assistant.feedback.answers import Clock, an_answer


def service_at(folder: Path, log_questions: bool = False, **options) -> FeedbackService:
    clock = Clock()
    return FeedbackService(
        FeedbackStore(folder / "feedback.sqlite3", clock=clock), log_questions=log_questions, clock=clock, **options
    )


def on_disk(folder: Path) -> bytes:
    """Every byte SQLite has written: the file and its write-ahead log."""
    return b"".join(p.read_bytes() for p in folder.glob("feedback.sqlite3*"))


def test_without_logging_an_unrated_answer_never_reaches_the_disk(tmp_path):
    feedback = service_at(tmp_path)
    rated, unrated = an_answer("Should I rate this?"), an_answer("Is this private?")
    feedback.remember(rated)
    feedback.remember(unrated)
    assert not (tmp_path / "feedback.sqlite3").exists()

    feedback.rate(rated.id, 1)
    assert feedback.stored(unrated.id) is None
    assert b"Should I rate this?" in on_disk(tmp_path) and b"Is this private?" not in on_disk(tmp_path)


def test_with_logging_every_answer_is_stored_unrated(tmp_path):
    feedback = service_at(tmp_path, log_questions=True)
    answer = an_answer(abstained=True)
    feedback.remember(answer)
    stored = feedback.stored(answer.id)
    assert stored is not None and stored.rating is None and stored.record.abstained


def test_a_rating_stores_the_answer_as_read_and_a_second_one_replaces_it(tmp_path):
    feedback = service_at(tmp_path)
    answer = an_answer("Is PM a good move?")
    feedback.remember(answer)
    feedback.rate(answer.id, 1, "clear")
    feedback.rate(answer.id, -1, "  actually \u200bwrong ")

    stored = feedback.stored(answer.id)
    assert (stored.rating, stored.comment) == (-1, "actually wrong")  # cleaned as questions are
    assert stored.record.question == "Is PM a good move?"
    assert stored.record.standalone_question == "Is product management a good move?"
    assert stored.record.answer == answer.answer and stored.record.citation_list()[0]["quote"]


def test_a_chat_completion_id_names_its_answer(tmp_path):
    feedback = service_at(tmp_path)
    answer = an_answer()
    feedback.remember(answer)
    feedback.rate(f"chatcmpl-{answer.id}", -1)
    assert feedback.stored(answer.id).rating == -1


def test_an_unknown_id_says_when_feedback_can_be_given(tmp_path):
    feedback = service_at(tmp_path)
    with pytest.raises(UnknownAnswerError, match="while the server that gave it runs.*ASSISTANT_LOG_QUESTIONS"):
        feedback.rate("f" * 32, 1)
    assert issubclass(UnknownAnswerError, FeedbackError) and issubclass(FeedbackError, AssistantError)


def test_withdraw_without_logging_deletes_the_rated_question_and_it_can_be_rated_again(tmp_path):
    feedback = service_at(tmp_path)
    answer = an_answer("Take this back?")
    feedback.remember(answer)
    feedback.rate(answer.id, -1, "wrong")

    feedback.withdraw(f"chatcmpl-{answer.id}")
    assert feedback.stored(answer.id) is None and feedback.gap_questions() == []
    feedback.withdraw(answer.id)  # still in memory: nothing left to take back, not an error
    feedback.rate(answer.id, 1)
    assert feedback.stored(answer.id).rating == 1


def test_withdraw_with_logging_keeps_the_question_unrated(tmp_path):
    feedback = service_at(tmp_path, log_questions=True)
    answer = an_answer()
    feedback.remember(answer)
    feedback.rate(answer.id, -1, "wrong")

    feedback.withdraw(answer.id)
    stored = feedback.stored(answer.id)
    assert (stored.rating, stored.comment) == (None, "") and feedback.gap_questions() == []


def test_withdraw_of_an_unknown_id_is_refused(tmp_path):
    feedback = service_at(tmp_path)
    for unknown in ("f" * 32, "", None):
        with pytest.raises(UnknownAnswerError):
            feedback.withdraw(unknown)


def test_after_a_restart_only_logged_answers_can_be_rated(tmp_path):
    private, logged = service_at(tmp_path), service_at(tmp_path, log_questions=True)
    unlogged_answer, logged_answer = an_answer("not logged"), an_answer("logged")
    private.remember(unlogged_answer)
    logged.remember(logged_answer)
    private.close()
    logged.close()

    restarted = service_at(tmp_path)  # a new process: nothing in memory
    with pytest.raises(UnknownAnswerError):
        restarted.rate(unlogged_answer.id, 1)
    restarted.rate(logged_answer.id, 1)
    assert restarted.stored(logged_answer.id).rating == 1


@pytest.mark.parametrize(
    ("rating", "comment", "message"),
    [
        (0, "", "must be 1"),
        (2, "", "must be 1"),
        (True, "", "must be 1"),
        ("up", "", "must be 1"),
        (1, "x" * 2001, "longer than 2000"),
        (1, "\ud800", "not valid Unicode"),
        (1, None, "must be text"),
    ],
)
def test_bad_input_is_a_feedback_error(tmp_path, rating, comment, message):
    feedback = service_at(tmp_path)
    answer = an_answer()
    feedback.remember(answer)
    with pytest.raises(FeedbackError, match=message):
        feedback.rate(answer.id, rating, comment)
    assert feedback.stored(answer.id) is None


def test_memory_keeps_the_most_recent_answers(tmp_path):
    feedback = service_at(tmp_path, recent=3)
    answers = [an_answer(f"question {n}") for n in range(5)]
    for answer in answers:
        feedback.remember(answer)
    with pytest.raises(UnknownAnswerError):
        feedback.rate(answers[1].id, 1)  # dropped: the oldest go first
    for answer in answers[2:]:
        feedback.rate(answer.id, 1)


def test_gap_questions_are_the_abstained_and_the_down_voted_as_read(tmp_path):
    feedback = service_at(tmp_path, log_questions=True)
    clock = feedback.clock
    asked = [an_answer("Is PM paid more?"), an_answer("Is staff fun?"), an_answer("What of visas?", abstained=True)]
    for answer in asked:
        feedback.remember(answer)
        clock.advance(1)
    feedback.rate(asked[0].id, -1)
    feedback.rate(asked[1].id, 1)
    feedback.rate(asked[2].id, -1)  # abstained and down-voted: one entry

    assert feedback.gap_questions() == [
        ("Is product management paid more?", "down-voted"),
        ("What of visas?", "abstained"),
    ]


def test_from_settings_places_the_file_in_the_data_folder(tmp_path):
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", log_questions=True, feedback_retention_days=7)
    feedback = FeedbackService.from_settings(settings)
    assert feedback.store.path == tmp_path / "data" / "feedback.sqlite3" and feedback.log_questions
    assert feedback.store.retention_days == 7
