"""The conversation the server keeps per browser session, without a browser."""

from __future__ import annotations

from assistant.questions import MAX_HISTORY_TURNS, MAX_QUESTION_CHARS
from ui.conversation import KEPT_TURNS, asking, history, question_at
from ui.render import asked_text, render_error, render_question


def answered(*questions: str) -> list[dict]:
    messages: list[dict] = []
    for question in questions:
        messages = asking(messages, question)
        messages.append({"role": "assistant", "content": f"<div class='answer'>about {question}</div>"})
    return messages


def test_past_kept_turns_the_oldest_go_and_a_notice_at_the_top_says_so():
    messages = answered(*(f"Question {n}?" for n in range(1, KEPT_TURNS + 1)))
    assert [m["role"] for m in messages[:2]] == ["user", "assistant"]  # all kept: no notice yet
    messages = asking(messages, f"Question {KEPT_TURNS + 1}?")
    notice, *kept = messages
    assert notice["role"] == "assistant" and 'data-notice="trimmed"' in notice["content"]
    assert f"keeps the last {KEPT_TURNS}" in notice["content"]
    asked = [asked_text(m["content"]) for m in kept if m["role"] == "user"]
    assert asked == [f"Question {n}?" for n in range(2, KEPT_TURNS + 2)]
    assert kept[0]["role"] == "user"  # a kept turn starts with its question


def test_a_long_chat_stays_bounded_with_one_notice():
    messages = answered(*(f"Question {n}?" for n in range(1, 3 * KEPT_TURNS)))
    assert len(messages) == 1 + 2 * KEPT_TURNS
    assert sum('data-notice="trimmed"' in m["content"] for m in messages) == 1


def test_a_question_is_kept_as_escaped_text_and_at_most_the_longest_the_assistant_reads():
    messages = asking([], "<b>" + "x" * (3 * MAX_QUESTION_CHARS))
    (shown,) = messages
    assert shown["content"].startswith("&lt;b&gt;") and "<b>" not in shown["content"]
    assert len(asked_text(shown["content"])) == MAX_QUESTION_CHARS + 1 and shown["content"].endswith("…")


def test_history_holds_the_answered_questions_not_the_refused_ones():
    messages = answered("What are the top skills of a staff engineer?")
    messages = asking(messages, "x" * (MAX_QUESTION_CHARS + 10))
    messages.append({"role": "assistant", "content": render_error("Sorry: the question is too long.")})
    messages = asking(messages, "What about managers?")  # still streaming: no answer yet
    assert [t.content for t in history(messages)] == ["What are the top skills of a staff engineer?"]


def test_history_reads_the_words_typed_and_keeps_the_latest_turns():
    messages = answered("<img src=x> Should I become a manager?")
    assert messages[0]["content"] == render_question("<img src=x> Should I become a manager?")
    assert [t.content for t in history(messages)] == ["<img src=x> Should I become a manager?"]
    many = [{"role": r, "content": f"q{n}"} for n in range(MAX_HISTORY_TURNS + 5) for r in ("user", "assistant")]
    assert [t.content for t in history(many)][-1] == f"q{MAX_HISTORY_TURNS + 4}"
    assert len(history(many)) == MAX_HISTORY_TURNS


def test_retry_and_undo_find_the_question_named_or_else_the_last_one():
    messages = asking(answered(*(f"Question {n}?" for n in range(KEPT_TURNS))), "Last?")
    assert question_at(messages, len(messages) - 1) == len(messages) - 1
    assert question_at(messages, 0) == len(messages) - 1  # the notice is no question
    assert question_at(messages, "2") == question_at(messages, 10_000) == len(messages) - 1
    assert question_at([], 0) is None


def test_the_chat_gets_role_and_content_only_and_a_thumb_finds_its_answers_id():
    from ui.conversation import ANSWER_ID, ANSWER_SAID, answer_id_at, shown

    messages = [*answered("Why?"), {"role": "assistant", "content": render_error("busy")}]
    messages[1] = {**messages[1], ANSWER_ID: "a1", ANSWER_SAID: "False|An answer."}
    assert shown(messages) == [{"role": m["role"], "content": m["content"]} for m in messages]
    assert answer_id_at(messages, 1) == answer_id_at(messages, [1, None]) == "a1"
    assert [answer_id_at(messages, i) for i in (0, 2, 3, -1, None, "1")] == [None] * 6
