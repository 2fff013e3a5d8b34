"""The chat's HTML, without a browser."""

from html import unescape

from assistant.answer import Answer, AnswerSentence, Citation
from ui.render import (
    MODEL_LEGEND,
    SAME_AGAIN,
    STOPPED,
    asked_text,
    render_answer,
    render_error,
    render_partial,
    render_question,
    render_status,
    shows_error,
)

CITATION = Citation(
    id=1, chunk_id="c1", source="a.txt", title="T <b>", author="A", section="Q & A > Why?",
    quote="Second <sentence>.", start=110, end=128, score=0.7,
)
PASSAGE = "First one. Second <sentence>. Third."  # the chunk starts at offset 99


def answer(**overrides) -> Answer:
    fields = dict(
        question="q", standalone_question="q", backend="embedded:x", answer="“Second <sentence>.” [1]",
        sentences=[
            AnswerSentence(text="Second <sentence>.", citations=[1], origin="quote"),
            AnswerSentence(text="A model line.", citations=[1], origin="model"),
        ],
        citations=[CITATION],
    )
    return Answer(**{**fields, **overrides})


def test_markers_link_to_numbered_cards_and_the_used_sentence_is_marked():
    html = render_answer(answer(), "cite-7", {"c1": (PASSAGE, 99)})
    assert 'href="#cite-7-1"' in html and 'id="cite-7-1"' in html
    assert "<mark>Second &lt;sentence&gt;.</mark>" in html
    assert "First one. " in html and " Third." in html  # one sentence of context each side
    assert "Q &amp; A &gt; Why?" in html and "T &lt;b&gt;" in html  # escaped, never raw
    assert "<sentence>" not in html


def test_quotes_and_model_sentences_are_told_apart():
    html = render_answer(answer(), "p", {})
    assert 'class="quote" data-origin="quote"' in html
    assert 'class="model-sentence" data-origin="model"' in html
    assert MODEL_LEGEND in html and "embedded:x" not in html  # plain words, no backend name


def test_the_model_line_shows_only_when_the_model_wrote_a_sentence():
    quoted = [AnswerSentence(text="Second <sentence>.", citations=[1], origin="quote")]
    assert MODEL_LEGEND not in render_answer(answer(sentences=quoted), "p", {})


def test_a_card_names_section_and_article_in_words_and_keeps_file_offsets_and_relevance_folded():
    html = render_answer(answer(), "p", {"c1": (PASSAGE, 99)})
    card = html[html.index('<div class="cite-card"'):]
    visible, folded = card.split('<details class="cite-source">')
    assert "From “T &lt;b&gt;” by A" in visible
    assert "a.txt" not in visible and "110" not in visible and "relevance" not in visible
    assert "<summary>Source details</summary>a.txt, characters 110–128, relevance 0.70</details>" in folded


def test_a_follow_ups_reading_is_shown_when_it_differs_from_what_was_typed():
    read = answer(question="And for managers?", standalone_question="What are the top skills of a <b>manager</b>?")
    html = render_answer(read, "p", {}, asked="And for managers?")
    assert 'data-read-as="true"' in html and "Read as: What are the top skills of a &lt;b&gt;manager&lt;/b&gt;?" in html
    same = answer(standalone_question="Should I become a manager?")
    assert "Read as" not in render_answer(same, "p", {}, asked="should I become a  manager")
    abstained = answer(abstained=True, sentences=[], citations=[], standalone_question="What about pay in tech?")
    assert "Read as: What about pay in tech?" in render_answer(abstained, "p", {}, asked="And pay?")


def test_a_stopped_answer_says_so_and_a_retried_one_says_whether_it_changed():
    assert 'data-stopped="true"' in render_answer(answer(), "p", {}, stopped=True) and STOPPED
    assert "data-stopped" not in render_answer(answer(), "p", {})
    same = render_answer(answer(), "p", {}, retried=True)
    assert 'data-retry="same"' in same and SAME_AGAIN in same and "rephrasing" in same
    assert 'data-retry="new"' in render_answer(answer(), "p", {}, retried=False)
    assert "data-retry" not in render_answer(answer(), "p", {})


def test_backtick_spans_in_our_messages_show_as_code_after_escaping():
    from markdown_it import MarkdownIt

    shown = render_error("The assistant is not ready yet: no index: run `assistant ingest <x>`")
    assert "run <code>assistant ingest &lt;x&gt;</code>" in shown and "`" not in shown
    status = MarkdownIt("commonmark").render(render_status(None, reason="no index: run `assistant ingest`"))
    assert "run <code>assistant ingest</code>" in status and "`" not in status
    unpaired = MarkdownIt("commonmark").render(render_status(None, reason="a ` b"))
    assert "<code>" not in unpaired and "`" in unpaired


def test_abstention_looks_different():
    html = render_answer(answer(abstained=True, sentences=[], citations=[], closest_sections=["Intro"]), "p", {})
    assert 'data-abstained="true"' in html and "doesn't cover this" in html and "<li>Intro</li>" in html
    assert "cite-card" not in html


def test_partial_and_error_are_escaped():
    assert "&lt;script&gt;" in render_partial("<script>")
    assert 'data-error="true"' in render_error("busy <now>") and "&lt;now&gt;" in render_error("busy <now>")
    assert shows_error(render_error("busy")) and not shows_error(render_partial('data-error="true"'))


def test_a_lone_surrogate_is_shown_as_a_replacement_character_so_the_page_can_be_encoded():
    for shown in (render_question("\ud800 Should I?"), render_error("\udfff x"), render_status(None, reason="\ud800")):
        shown.encode("utf-8")  # Gradio's JSON encoder would fail on it and cut the chat's stream
        assert "\ufffd" in shown
    assert asked_text(render_question("\ud800 Should I?")) == "\ufffd Should I?"


def test_long_passages_are_cut_to_the_sentence_and_its_neighbours():
    passage = "One. Two. Three is cited. Four. Five."
    cited = Citation(**{**CITATION.model_dump(), "quote": "Three is cited.", "start": 10, "end": 25})
    html = render_answer(answer(citations=[cited]), "p", {"c1": (passage, 0)})
    assert (
        '<span class="context">… Two. </span><mark>Three is cited.</mark>'
        '<span class="context"> Four. …</span>' in html
    )  # the context is hidden on a phone (CSS): the card shows the cited sentence
    assert "One." not in html and "Five." not in html


PAYLOAD = '<img src=x onerror=alert(1)><svg onload=alert(2)> "AT&T" & Should I become a manager?'


def test_the_users_question_is_escaped_and_read_back_unchanged():
    shown = render_question(PAYLOAD)
    assert "<" not in shown and ">" not in shown
    assert "&lt;img src=x onerror=alert(1)&gt;" in shown
    assert asked_text(shown) == PAYLOAD  # what the follow-up history sees


def test_the_status_line_shows_html_and_markdown_as_text():
    from markdown_it import MarkdownIt

    reason = f"{PAYLOAD} [link](javascript:alert(3)) ![i](http://x/i.png) *em* code\n# heading"
    rendered = MarkdownIt("commonmark").render(render_status(None, reason=reason))
    assert "<img" not in rendered and "<svg" not in rendered and "<a " not in rendered
    assert "<em>" not in rendered and "<h1>" not in rendered
    assert rendered.startswith("<p><strong>Not ready:</strong> ")
    assert unescape(rendered.removeprefix("<p><strong>Not ready:</strong> ").removesuffix("</p>\n")) == (
        " ".join(reason.split())
    )
    ready = MarkdownIt("commonmark").render(render_status("openai:<b>x</b>", 120, 2500))
    assert "<code>openai:&lt;b&gt;x&lt;/b&gt;</code>" in ready and "120 passages indexed" in ready
    assert "last answer 2.5 s" in ready
