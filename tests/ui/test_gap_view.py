"""The "What readers miss" tab's HTML and bar data, without a browser."""

from __future__ import annotations

from assistant.gaps import GapGroup, GapReport
from ui.gap_view import ALONE, MAX_BARS, bar_axis_top, gap_sizes, render_gap_report

PAYLOAD = "<img src=x onerror=alert(1)>"

REPORT = GapReport(
    total=6,
    groups=[
        GapGroup(label=f"pay {PAYLOAD}", count=3, examples=["How much do managers earn?", f"Pay {PAYLOAD}?"],
                 reasons={"abstained": 2, "down-voted": 1}, closest_sections=["Becoming a <b>manager</b>"]),
        GapGroup(label="remote work", count=2, examples=["Can I work remotely?", "Remote staff roles?"],
                 reasons={"abstained": 2}, closest_sections=[]),
        GapGroup(label="sourdough", count=1, examples=["How do I bake sourdough?"], reasons={"abstained": 1},
                 closest_sections=["Intro"]),
    ],
)


def test_each_group_shows_its_count_reasons_examples_and_sections_escaped():
    shown = render_gap_report(REPORT)
    assert 'data-groups="3"' in shown and "6 questions (5 not covered, 1 voted down)" in shown
    assert "3 questions (2 not covered, 1 voted down)" in shown and "<li>How much do managers earn?</li>" in shown
    assert "Becoming a &lt;b&gt;manager&lt;/b&gt;" in shown and "Closest sections in the article: none" in shown
    assert "<img" not in shown and "&lt;img src=x onerror=alert(1)&gt;" in shown
    assert "Each on its own topic" in shown and "How do I bake sourdough?" in shown


def test_an_empty_report_says_what_will_appear():
    shown = render_gap_report(GapReport(total=0, groups=[]))
    assert 'data-groups="0"' in shown and "Nothing to show yet" in shown


def test_the_bars_are_the_topics_then_the_questions_on_their_own():
    sizes = gap_sizes(REPORT)
    assert list(sizes.columns) == ["topic", "questions"]
    assert sizes.values.tolist() == [[f"pay {PAYLOAD}", 3], ["remote work", 2], [ALONE, 1]]
    assert gap_sizes(None).empty


def test_the_catch_all_bar_counts_the_smaller_topics():
    groups = [
        GapGroup(label=f"topic {n}", count=2, examples=["a?", "b?"], reasons={"abstained": 2}, closest_sections=[])
        for n in range(MAX_BARS + 2)
    ]
    sizes = gap_sizes(GapReport(total=2 * len(groups), groups=[*groups, REPORT.groups[-1]]))
    assert sizes.values.tolist()[-1] == ["3 smaller topics", 5]


def test_the_tallest_bar_stays_below_the_top_of_the_axis():
    assert bar_axis_top(gap_sizes(REPORT)) == 4  # 3 questions: one more
    many = GapReport(total=40, groups=[REPORT.groups[0].model_copy(update={"count": 40})])
    assert bar_axis_top(gap_sizes(many)) == 44  # a tenth more
    assert bar_axis_top(gap_sizes(None)) == 2
