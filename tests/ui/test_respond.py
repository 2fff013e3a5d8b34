"""The chat handler without a browser: what each turn puts in the chat."""

from __future__ import annotations

import pytest
from langchain_core.documents import Document

from assistant.gate import Busy
from assistant.service import AnswerService
from ui.app import example_questions, respond
from ui.render import asked_text, render_question

pytestmark = pytest.mark.integration


def last_turn(provider, question, messages=()):
    *_, (messages, status) = respond(provider, question, list(messages))
    return messages, status


def test_an_answer_ends_with_cards_and_the_status_shows_its_time(make_service):
    service = make_service()
    messages, status = last_turn(lambda: (service, ""), "Do staff engineers only write code?")
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert "cite-card" in messages[-1]["content"]
    assert "last answer" in status and "passages indexed" in status


def test_a_follow_up_uses_the_chat_history(retriever):
    seen = []

    class Recording(AnswerService):
        def stream(self, question, history=(), top_k=None, cancel=None):
            seen.append([t.content for t in history])
            yield from super().stream(question, history, top_k, cancel)

    service = Recording(retriever, None, backend="extractive")
    first, _ = last_turn(lambda: (service, ""), "What are the top skills of a staff engineer?")
    second, _ = last_turn(lambda: (service, ""), "What about managers?", first)
    assert seen == [[], ["What are the top skills of a staff engineer?"]]
    assert len(second) == 4 and 'data-abstained="false"' in second[-1]["content"]


def test_not_ready_busy_and_broken_backends_are_friendly_messages(make_service, retriever):
    messages, status = last_turn(lambda: (None, "no index: run `assistant ingest`"), "Hello?")
    assert "not ready yet" in messages[-1]["content"] and "Not ready" in status

    class BusyService(AnswerService):
        def stream(self, *args, **kwargs):
            raise Busy(5)
            yield  # pragma: no cover

    class BrokenService(AnswerService):
        def stream(self, question, history=(), top_k=None, cancel=None):
            yield from list(super().stream(question, history, top_k, cancel))[:1]
            raise ConnectionError("backend down")

    busy = BusyService(retriever, None, backend="x")
    messages, _ = last_turn(lambda: (busy, ""), "Do staff engineers only write code?")
    assert 'data-error="true"' in messages[-1]["content"] and "busy" in messages[-1]["content"]
    broken = BrokenService(retriever, None, backend="x")
    messages, _ = last_turn(lambda: (broken, ""), "Do staff engineers only write code?")
    assert "something went wrong" in messages[-1]["content"] and "Traceback" not in messages[-1]["content"]


def test_an_empty_question_adds_nothing(make_service):
    service = make_service()
    messages, _ = last_turn(lambda: (service, ""), "   ")
    assert messages == []


PAYLOAD = "<img src=x onerror=alert(1)><svg onload=alert(2)> Should I become a manager?"


def test_the_users_message_is_escaped_in_the_chat_but_not_in_the_history(retriever):
    seen = []

    class Recording(AnswerService):
        def stream(self, question, history=(), top_k=None, cancel=None):
            seen.append((question, [t.content for t in history]))
            yield from super().stream(question, history, top_k, cancel)

    service = Recording(retriever, None, backend="extractive")
    first, _ = last_turn(lambda: (service, ""), PAYLOAD)
    assert first[0] == {"role": "user", "content": render_question(PAYLOAD)}
    assert "<img" not in first[0]["content"] and "<svg" not in first[0]["content"]
    assert "<img" not in first[1]["content"] and "<svg" not in first[1]["content"]
    last_turn(lambda: (service, ""), "What about staff engineers?", first)
    assert seen == [(PAYLOAD, []), ("What about staff engineers?", [PAYLOAD])]  # the model reads the words


def test_a_corpus_question_with_html_is_asked_as_text():
    chunk = Document(page_content="Become a manager when ...", metadata={"source": "a.txt", "question": PAYLOAD})
    examples = example_questions([chunk])
    assert examples == [PAYLOAD]  # a button shows its label as text (tests/ui/test_browser.py proves it)
    messages, status = last_turn(lambda: (None, "no index <b>yet</b>"), examples[0])
    assert messages[0]["content"] == render_question(PAYLOAD) and "<img" not in messages[0]["content"]
    assert "&lt;b&gt;yet&lt;/b&gt;" in messages[1]["content"] and "<b>" not in status


def test_stop_frees_the_model_at_once_and_the_turn_ends_with_quotes(make_service):
    from types import SimpleNamespace

    from tests.fakes import scripted
    from ui.app import _respond_cancellably, stop_answer

    llm = scripted("You will probably lose your brand as an engineer [1].", gated=True)
    service = make_service(llm, llm_timeout_s=120)
    session = SimpleNamespace(session_hash="session-1")
    turn = _respond_cancellably(lambda: (service, ""), "Will I lose my engineering chops in product?", [], session)
    next(turn)  # the question and the "…" placeholder
    next(turn)  # the lead quote: the model's turn comes next
    try:
        stop_answer(session)  # as the Stop button does, from another request
        *_, (messages, _) = turn
        assert service.gate.wait_idle(timeout=60) and not llm.release.is_set()
    finally:
        llm.release.set()
    assert 'data-abstained="false"' in messages[-1]["content"] and "cite-card" in messages[-1]["content"]
    assert 'data-stopped="true"' in messages[-1]["content"]  # it says it was stopped


class Recording(AnswerService):
    """The real service, noting each question and the history it was asked with."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen = []

    def stream(self, question, history=(), top_k=None, cancel=None):
        self.seen.append((question, [t.content for t in history]))
        yield from super().stream(question, history, top_k, cancel)


def test_a_refused_question_is_not_what_a_follow_up_refers_to(retriever):
    """A question over the limit is refused in the chat; the next one is asked as if it had
    not been there (it once failed the next turn: a history turn over 20,000 characters)."""
    service = Recording(retriever, None, backend="extractive")
    first, _ = last_turn(lambda: (service, ""), "What are the top skills of a staff engineer?")
    refused, _ = last_turn(lambda: (service, ""), "Why? " * 5_000, first)
    assert 'data-error="true"' in refused[-1]["content"] and "longer than" in refused[-1]["content"]
    chat, _ = last_turn(lambda: (service, ""), "What about managers?", refused)
    assert service.seen[-1] == ("What about managers?", ["What are the top skills of a staff engineer?"])
    assert 'data-abstained="false"' in chat[-1]["content"]


def test_a_lone_surrogate_is_refused_in_the_chat_and_shown_as_a_replacement_character(retriever):
    service = Recording(retriever, None, backend="extractive")
    messages, _ = last_turn(lambda: (service, ""), "\ud800 Should I become a manager?")
    assert asked_text(messages[0]["content"]) == "\ufffd Should I become a manager?"
    assert "not valid Unicode" in messages[1]["content"] and 'data-error="true"' in messages[1]["content"]
    for message in messages:
        message["content"].encode("utf-8")  # what Gradio's JSON encoder must be able to send


def test_a_failure_nobody_foresaw_ends_as_a_message_in_the_chat_and_one_record_without_the_question(caplog):
    """The Gradio handler's last line: nothing reaches Gradio, which would print it to stderr."""
    import logging
    from types import SimpleNamespace

    from ui.app import FAILED, _asking

    question = "-".join(["SECRET", "QUESTION"])  # so no source line in the stack holds it

    def broken_provider():
        raise RuntimeError(f"quoting the user: {question}")

    before = [{"role": "user", "content": "Earlier?"}, {"role": "assistant", "content": "An answer."}]
    handler = _asking(broken_provider)
    with caplog.at_level(logging.ERROR, logger="ui"):
        sent, *turn, ended = handler(question, before, SimpleNamespace(session_hash="s-9"))
    assert sent[2] == "" and sent[4] == {"__type__": "update", "interactive": False}  # cleared as sent, Ask off
    shown, kept, textbox, status, *_ = turn[-1]
    assert shown == kept and kept[:2] == before and FAILED in shown[-1]["content"]
    assert textbox == status == {"__type__": "update"}  # left as they were
    assert ended[4] == {"__type__": "update", "interactive": True}  # Ask on again, whatever happened
    (record,) = [r for r in caplog.records if r.name == "ui"]
    assert "RuntimeError" in record.getMessage() and question not in record.getMessage()


def test_retry_asks_the_last_question_again_and_its_new_answer_replaces_the_old(retriever):
    from ui.app import retry_turn

    service = Recording(retriever, None, backend="extractive")
    provider = lambda: (service, "")  # noqa: E731
    first, _ = last_turn(provider, "What are the top skills of a staff engineer?")
    chat, _ = last_turn(provider, "Do staff engineers only write code?", first)
    turns = list(retry_turn(provider, chat, 2))
    for shown, _ in turns:  # while it streams too, the question stays right above its answer
        assert [m["role"] for m in shown] == ["user", "assistant", "user", "assistant"]
        assert asked_text(shown[2]["content"]) == "Do staff engineers only write code?"
    retried, status = turns[-1]
    assert service.seen[-1] == ("Do staff engineers only write code?", ["What are the top skills of a staff engineer?"])  # not asked twice
    assert 'data-abstained="false"' in retried[-1]["content"] and retried[-1]["content"] != chat[-1]["content"]
    assert "last answer" in status
    # The extractive answer is the article's own sentences: asked again, the same ones, and it says so.
    assert 'data-retry="same"' in retried[-1]["content"] and "rephras" in retried[-1]["content"]


def test_retry_of_a_stale_index_retries_the_last_question_and_of_an_empty_chat_does_nothing(retriever):
    from ui.app import retry_turn

    service = Recording(retriever, None, backend="extractive")
    provider = lambda: (service, "")  # noqa: E731
    chat, _ = last_turn(provider, "Do staff engineers only write code?")
    *_, (retried, _) = retry_turn(provider, chat, 7)
    assert len(retried) == 2 and service.seen[-1][0] == "Do staff engineers only write code?"
    assert list(retry_turn(provider, [], 0)) == [([], _status_of(service))]


def _status_of(service):
    from ui.render import render_status

    return render_status(service.backend, service.chunk_count)


def test_undo_takes_the_last_pair_away_and_puts_the_question_back_in_the_textbox(retriever):
    from ui.app import undo_turn

    service = Recording(retriever, None, backend="extractive")
    provider = lambda: (service, "")  # noqa: E731
    first, _ = last_turn(provider, "What are the top skills of a staff engineer?")
    chat, _ = last_turn(provider, PAYLOAD, first)
    messages, textbox, status = undo_turn(provider, chat, 2)
    assert [asked_text(m["content"]) for m in messages if m["role"] == "user"] == [
        "What are the top skills of a staff engineer?"
    ]
    assert len(messages) == 2 and textbox == PAYLOAD  # the words typed, not their escaped HTML
    assert "passages indexed" in status
    assert undo_turn(provider, [], 0)[:2] == ([], "")


def test_stop_ends_a_retried_answer_too(make_service):
    from types import SimpleNamespace

    from tests.fakes import scripted
    from ui.app import _cancellably, retry_turn, stop_answer

    llm = scripted("You will probably lose your brand as an engineer [1].", gated=True)
    service = make_service(llm, llm_timeout_s=120)
    chat = [{"role": "user", "content": "Will I lose my engineering chops in product?"},
            {"role": "assistant", "content": "an old answer"}]
    session = SimpleNamespace(session_hash="session-2")
    turn = _cancellably(session, lambda cancel: retry_turn(lambda: (service, ""), chat, 0, cancel))
    next(turn)  # the question and the "…" placeholder
    next(turn)  # the lead quote: the model's turn comes next
    try:
        stop_answer(session)
        *_, (messages, _) = turn
        assert service.gate.wait_idle(timeout=60) and not llm.release.is_set()
    finally:
        llm.release.set()
    assert len(messages) == 2 and "cite-card" in messages[-1]["content"]


def test_an_answer_keeps_its_id_on_the_server_and_the_chat_gets_none_of_it(retriever):
    from ui.conversation import ANSWER_ID, ANSWER_SAID, answer_id_at, shown

    seen = []

    class Keeping(AnswerService):
        def stream(self, question, history=(), top_k=None, cancel=None):
            for event in super().stream(question, history, top_k, cancel):
                if event.answer is not None:
                    seen.append(event.answer.id)
                yield event

    service = Keeping(retriever, None, backend="extractive")
    messages, _ = last_turn(lambda: (service, ""), "Do staff engineers only write code?")
    assert messages[-1][ANSWER_ID] == seen[0] and answer_id_at(messages, 1) == seen[0]
    assert messages[-1][ANSWER_SAID]
    assert shown(messages) == [{"role": m["role"], "content": m["content"]} for m in messages]


def test_a_follow_ups_reading_is_shown_under_its_answer(retriever):
    service = Recording(retriever, None, backend="extractive")
    first, _ = last_turn(lambda: (service, ""), "What are the top skills of a staff engineer?")
    second, _ = last_turn(lambda: (service, ""), "And for <b>managers</b>?", first)
    assert "Read as" not in first[-1]["content"]
    assert "Read as: " in second[-1]["content"] and "<b>managers" not in second[-1]["content"]
