"""The gap report: questions the article does not answer, grouped by topic with the real
embedding model over the session's real index of the article; its Markdown, its JSON and its
chart. The labelled sets below are also where GAP_DISTANCE was measured."""

from __future__ import annotations

import itertools
import json
import random
from collections import Counter

import numpy as np
import pytest
from markdown_it import MarkdownIt
from sklearn.metrics import adjusted_rand_score

from assistant.gaps import GAP_DISTANCE, GapGroup, GapReport, build_gap_report, grouping, plot_gap_report
from assistant.gaps.grouping import topic_rows
from assistant.gaps.markdown_text import inline
from assistant.gaps.plot import MAX_BARS, chart_bars
from assistant.similarity import unit_rows

# Out-of-scope questions in five known topics, each asked in varied words, and three loners.
TOPICS: dict[str, list[str]] = {
    "salary": [
        "How do I negotiate a higher salary?",
        "What should I say when a recruiter asks for my salary expectations?",
        "How much should I ask for when I get a job offer?",
        "Is it OK to ask my boss for a pay rise after six months?",
        "How do I find out if I'm underpaid?",
        "Should I accept a lower base pay for more stock options?",
    ],
    "interviews": [
        "How do I prepare for a coding interview?",
        "What questions come up in a system design interview?",
        "How many LeetCode problems should I practice before interviewing?",
        "How do I answer behavioural interview questions?",
        "What should I do if I freeze during a whiteboard interview?",
        "How do I follow up after a job interview?",
    ],
    "visas": [
        "How do I get a work visa to move to the United States?",
        "Can my employer sponsor an H-1B visa?",
        "What do I need to relocate to Germany as a software developer?",
        "Does the company pay for relocation when moving abroad?",
        "How long does a Blue Card application take?",
        "Can I work in Canada on a student permit?",
    ],
    "rust": [
        "Is Rust a good language to learn this year?",
        "What is the best book for learning Rust?",
        "How long does it take to learn Rust coming from Python?",
        "How do I understand Rust's borrow checker?",
        "Should I learn Rust or Go for backend work?",
        "Which Rust projects are good for beginners?",
    ],
    "remote": [
        "How do I stay productive working from home?",
        "How can I find a fully remote job?",
        "How do I convince my manager to let me work remotely?",
        "Is remote work bad for getting promoted?",
        "How do I avoid feeling lonely as a remote worker?",
        "What equipment do I need for a home office?",
    ],
}
LONERS = ["How do I make banana bread?", "What is the capital of France?", "Write a poem about cats"]
# A second labelled set, other topics, for measuring the distance only (not the set it is tested on).
HELD_OUT: dict[str, list[str]] = {
    "resume": [
        "What should I put on my resume?",
        "How long should a CV be for a developer?",
        "Should my resume list every programming language I know?",
        "How do I write a cover letter for a tech job?",
        "Do recruiters read the summary at the top of a CV?",
    ],
    "burnout": [
        "How do I recover from burnout?",
        "I'm exhausted at work every day, what can I do?",
        "How do I set boundaries so I stop working late nights?",
        "Is it normal to feel drained after every sprint?",
        "Should I take a sabbatical to avoid burning out?",
    ],
    "layoffs": [
        "What should I do after being laid off?",
        "How do I explain a layoff in an interview?",
        "Is my job safe if my company announces layoffs?",
        "How much severance should I expect?",
        "How do I find a new job quickly after redundancy?",
    ],
    "certificates": [
        "Is an AWS certification worth it?",
        "Which cloud certificate should I get first?",
        "Do employers care about Kubernetes certifications?",
        "How do I study for the Azure exam?",
    ],
    "freelancing": [
        "How do I start freelancing as a developer?",
        "How much should I charge as a freelance programmer?",
        "Where can I find contract work as a software engineer?",
        "Is freelancing more stable than a full-time job?",
    ],
    "weather": ["What will the weather be like tomorrow?"],
    "laptop": ["What's a good laptop for coding?"],
    "java": ["How do I fix a memory leak in Java?"],
}
# Measured with GAP_DISTANCE = 0.78: 0.96 on TOPICS with LONERS (the Blue Card question
# stands alone; every other question is with its topic), 0.72 on HELD_OUT.
MIN_ADJUSTED_RAND = 0.9


def labelled(topics: dict[str, list[str]], loners: list[str] = ()) -> tuple[list[str], list[str]]:
    """(questions, their known topic), loners each a topic of their own."""
    pairs = [(q, topic) for topic, questions in topics.items() for q in questions] + [(q, q) for q in loners]
    return [q for q, _ in pairs], [t for _, t in pairs]


def as_asked(questions: list[str]) -> list[tuple[str, str]]:
    """Every third question down-voted, the rest abstained on."""
    return [(q, "down-voted" if i % 3 == 0 else "abstained") for i, q in enumerate(questions)]


def group_of(report: GapReport) -> dict[str, int]:
    """The group (its index) of each question shown."""
    return {q: i for i, g in enumerate(report.groups) for q in g.examples}


# -- grouping, with the real model and index -------------------------------------------
@pytest.fixture(scope="module")
def service(make_service):
    return make_service()


@pytest.fixture(scope="module")
def report(service) -> GapReport:
    questions, _ = labelled(TOPICS, LONERS)
    return build_gap_report(as_asked(questions), service)


@pytest.fixture(scope="module")
def full_report(service) -> GapReport:
    """The report with every question among its group's examples, to see where each went."""
    questions, _ = labelled(TOPICS, LONERS)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(grouping, "MAX_EXAMPLES", len(questions))
        return build_gap_report(as_asked(questions), service)


@pytest.mark.integration
def test_questions_are_grouped_by_their_known_topics(full_report):
    questions, topics = labelled(TOPICS, LONERS)
    placed = group_of(full_report)
    assert sorted(placed) == sorted(questions)  # each question in one group
    found = [placed[q] for q in questions]
    assert adjusted_rand_score(topics, found) >= MIN_ADJUSTED_RAND
    for topic, members in TOPICS.items():  # each known topic mostly in one group
        biggest = Counter(placed[q] for q in members).most_common(1)[0][1]
        assert biggest >= len(members) - 1, topic
    for loner in LONERS:
        assert full_report.groups[placed[loner]].examples == [loner]


@pytest.mark.integration
def test_examples_are_the_five_most_central(report, full_report):
    assert [g.count for g in report.groups] == [g.count for g in full_report.groups]
    for shown, full in zip(report.groups, full_report.groups, strict=True):
        assert shown.examples == full.examples[:5]


@pytest.mark.integration
def test_counts_reasons_and_sections_add_up(report, service):
    questions, _ = labelled(TOPICS, LONERS)
    assert report.total == len(questions) == sum(g.count for g in report.groups)
    asked = Counter(reason for _, reason in as_asked(questions))
    assert report.reasons() == dict(asked)
    sections = {d.metadata["section"] for d in service.documents()}
    for group in report.groups:
        assert sum(group.reasons.values()) == group.count
        assert set(group.reasons) == {"abstained", "down-voted"}
        assert 1 <= len(group.closest_sections) <= 3 and set(group.closest_sections) <= sections
        assert len(set(group.closest_sections)) == len(group.closest_sections)
    assert [g.count for g in report.groups] == sorted((g.count for g in report.groups), reverse=True)


@pytest.mark.integration
def test_labels_are_words_of_their_questions_and_examples_come_most_central_first(full_report, service):
    for group in full_report.groups:
        text = " ".join(group.examples).casefold()
        assert group.label and all(word in text for word in group.label.split(", ")), group.label
        vectors = unit_rows(np.asarray(service.embed(group.examples)))
        closeness = (vectors @ unit_rows(vectors.sum(axis=0, keepdims=True))[0]).tolist()
        assert all(a >= b - 1e-5 for a, b in itertools.pairwise(closeness)), group.examples
    salary = next(g for g in full_report.groups if "How do I negotiate a higher salary?" in g.examples)
    assert {"salary", "pay"} & set(salary.label.split(", "))


@pytest.mark.integration
def test_the_same_questions_in_any_order_give_the_same_report(report, service):
    questions, _ = labelled(TOPICS, LONERS)
    shuffled = as_asked(questions)
    random.Random(7).shuffle(shuffled)
    assert build_gap_report(shuffled, service).model_dump_json() == report.model_dump_json()


@pytest.mark.integration
def test_a_question_asked_again_counts_again_under_one_example(service):
    asked = [
        ("How do I negotiate a higher salary?", "abstained"),
        ("how do I  negotiate a higher SALARY?", "down-voted"),
        ("How do I negotiate a higher salary?", "abstained"),
        ("   ", "abstained"),  # nothing asked: not counted
    ]
    report = build_gap_report(asked, service)
    assert report.total == 3 and len(report.groups) == 1
    group = report.groups[0]
    assert group.examples == ["How do I negotiate a higher salary?"]  # the form most often typed
    assert group.count == 3 and group.reasons == {"abstained": 2, "down-voted": 1}


@pytest.mark.integration
def test_no_questions_is_an_empty_report(service):
    report = build_gap_report([], service)
    assert report == GapReport(total=0, groups=[])
    assert "No abstained or down-voted questions are stored yet." in report.markdown()


@pytest.mark.integration
def test_the_distance_is_where_topics_are_found_best(embeddings):
    """How GAP_DISTANCE was measured: the adjusted Rand index against the known topics, mean
    over both labelled sets, for distances from 0.60 to 0.90; the one in use is at the best."""
    scores: dict[float, list[float]] = {}
    for topics, loners in ((TOPICS, LONERS), (HELD_OUT, [])):
        questions, known = labelled(topics, loners)
        vectors = unit_rows(np.asarray(embeddings.embed_documents(questions)))
        for distance in [round(0.60 + 0.01 * step, 2) for step in range(31)] + [GAP_DISTANCE]:
            found = [0] * len(questions)
            for group, rows in enumerate(topic_rows(vectors, distance)):
                for row in rows:
                    found[row] = group
            scores.setdefault(distance, []).append(adjusted_rand_score(known, found))
    mean = {distance: sum(values) / len(values) for distance, values in scores.items()}
    assert mean[GAP_DISTANCE] >= max(mean.values()) - 1e-9, sorted(mean.items(), key=lambda kv: -kv[1])[:5]
    assert scores[GAP_DISTANCE][0] >= MIN_ADJUSTED_RAND


# -- Markdown: user text stays text --------------------------------------------------------
HOSTILE = [
    "# Am I a heading?",
    "1. Am I a list?",
    "- or this | with a | pipe",
    "> quoted <script>alert(1)</script>",
    "**bold** _em_ `code` [link](http://example.com) ![img](x.png) ~~gone~~",
    "Tom &amp; Jerry\nsecond line \\",
    "<b>html</b> &#60;",
]


def hostile_report() -> GapReport:
    group = GapGroup(
        label="pipes | and # hashes",
        count=len(HOSTILE),
        examples=HOSTILE[:5],
        reasons={"abstained": 4, "down-voted": 3},
        closest_sections=["Q & A > Myths | about *staff*"],
    )
    alone = [
        GapGroup(label="html", count=2, examples=[q], reasons={"abstained": 2, "down-voted": 0}, closest_sections=[])
        for q in HOSTILE[5:]
    ]
    return GapReport(total=len(HOSTILE) + 4, groups=[group, *alone])


def rendered(markdown: str) -> str:
    return MarkdownIt("commonmark").enable("table").render(markdown)


def test_markdown_shows_questions_as_typed_and_never_as_markup():
    html = rendered(hostile_report().markdown())
    assert html.count("<h1>") == 1 and "<script>" not in html and "<b>" not in html
    for tag in ("<a ", "<img", "<strong>", "<em>em</em>", "<code>", "<ol", "<blockquote>", "<s>", "<del>"):
        assert tag not in html, tag
    assert html.count("<ul>") == 2  # the examples, and the questions on topics of their own
    # Each question reads as typed, its new lines as spaces (HTML-escaped by the renderer).
    assert "# Am I a heading?" in html and "1. Am I a list?" in html
    assert "&gt; quoted &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "**bold** _em_ `code` [link](http://example.com) ![img](x.png) ~~gone~~" in html
    assert "Tom &amp;amp; Jerry second line \\" in html and "&lt;b&gt;html&lt;/b&gt; &amp;#60;" in html


def test_markdown_table_rows_keep_their_columns():
    html = rendered(hostile_report().markdown())
    table = html[html.index("<table>") : html.index("</table>")]
    rows = table.split("<tr>")[1:]
    assert len(rows) == 3  # the head, the group, the questions on topics of their own
    assert all(row.count("<td") + row.count("<th") == 6 for row in rows)
    assert "pipes | and # hashes" in rows[1] and "Q &amp; A &gt; Myths | about *staff*" in rows[1]


def test_inline_escapes_only_what_would_render():
    assert inline("How do I get a raise? It's 2025 - help!") == "How do I get a raise? It's 2025 - help!"
    assert inline("#1 question") == "\\#1 question"
    assert inline("Is C #") == "Is C \\#"  # not a heading's closing sequence
    assert inline("2) second") == "2\\) second"
    assert inline("+ plus") == "\\+ plus"
    assert inline("a\n\n  b") == "a b"


def test_inline_keeps_maths_and_bare_links_as_typed():
    """GitHub renders "$x^2$" as maths and links a bare address or e-mail; CommonMark shows
    the escaped text exactly as typed."""
    typed = "Is $x^2$ fair? See https://example.com/pay or WWW.example.org, mail me@example.com at 10:30"
    escaped = inline(typed)
    assert "\\$x^2\\$" in escaped and "https\\://example.com" in escaped and "WWW\\.example" in escaped
    assert "me\\@example" in escaped and "10:30" in escaped  # a ":" not before "//" is left alone
    assert rendered(escaped) == f"<p>{typed}</p>\n"


def test_markdown_of_a_report_reads_as_a_report():
    markdown = hostile_report().markdown()
    assert markdown.startswith("# What readers asked that the article does not answer\n")
    assert "11 questions (8 abstained, 3 down-voted): 1 topic asked in more than one way;" in markdown
    assert "2 questions each on a topic of its own." in markdown
    assert "## 1. pipes \\| and \\# hashes" in markdown
    assert "## Each on its own topic" in markdown and "(asked 2 times, 2 abstained)" in markdown


def test_json_is_the_model_and_reads_back():
    report = hostile_report()
    data = json.loads(report.model_dump_json(indent=2))
    assert set(data) == {"total", "groups", "left_out"}
    assert set(data["groups"][0]) == {"label", "count", "examples", "reasons", "closest_sections"}
    assert GapReport.model_validate(data) == report


# -- the chart -------------------------------------------------------------------------
@pytest.mark.parametrize("report", [hostile_report(), GapReport(total=0, groups=[])], ids=["groups", "empty"])
def test_the_chart_is_a_png(tmp_path, report):
    path = tmp_path / "gaps.png"
    plot_gap_report(report, path)
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_the_chart_takes_dollar_signs_as_text(tmp_path):
    group = GapGroup(
        label="$100k or $150k", count=2, examples=["Is $100k fair?", "Or $150k?"], reasons={}, closest_sections=[]
    )
    plot_gap_report(GapReport(total=2, groups=[group]), tmp_path / "gaps.png")  # mathtext would fail on "$150k"


def test_the_charts_last_bar_names_the_rest_as_the_ui_does():
    """"N smaller topics", as the web UI's gaps tab says, not "N smaller groups"."""
    shared = [
        GapGroup(label=f"topic {n}", count=2, examples=["a", "b"], reasons={"abstained": 2}, closest_sections=[])
        for n in range(MAX_BARS + 2)
    ]
    alone = GapGroup(label="alone", count=1, examples=["c"], reasons={"down-voted": 1}, closest_sections=[])
    bars = chart_bars(GapReport(total=2 * len(shared) + 1, groups=[*shared, alone]))
    assert len(bars) == MAX_BARS + 1
    assert bars[-1] == ("3 smaller topics", {"abstained": 4, "down-voted": 1})
