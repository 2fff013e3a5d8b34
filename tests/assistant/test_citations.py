"""The marker syntax: read from model text, written into answers, numbered once per span."""

from __future__ import annotations

from assistant.answer import AnswerSentence
from assistant.citations import CitationList, render_sentence, split_cited_sentences
from assistant.evidence import Evidence
from assistant.retrieval import Passage


def test_split_cited_sentences_moves_trailing_markers_to_their_sentence():
    text = "You will lose your edge. [1] Managers are common [2][3]. Ask for a raise! [2]"
    assert split_cited_sentences(text) == [
        ("You will lose your edge.", [1]),
        ("Managers are common.", [2, 3]),
        ("Ask for a raise!", [2]),
    ]


def test_rendered_markers_go_before_the_full_stop_and_quotes_get_quotation_marks():
    assert render_sentence(AnswerSentence(text="You will lose it.", citations=[2], origin="model")) == (
        "You will lose it [2]."
    )
    assert render_sentence(AnswerSentence(text="No stop", citations=[1, 3], origin="model")) == "No stop [1][3]."
    assert render_sentence(AnswerSentence(text="Said so.", citations=[1], origin="quote")) == "“Said so.” [1]"


def test_each_span_gets_one_number_in_order_of_first_use():
    passage = Passage("c1", "One. Two.", {"source": "a.txt", "section": "S", "start": 100, "end": 109}, 0.5)
    citations = CitationList([passage])
    two, one = Evidence(0, "Two.", 105, 109), Evidence(0, "One.", 100, 104)
    assert [citations.cite(two), citations.cite(one), citations.cite(two)] == [1, 2, 1]
    assert [(c.id, c.quote, c.start, c.end, c.source) for c in citations.items] == [
        (1, "Two.", 105, 109, "a.txt"),
        (2, "One.", 100, 104, "a.txt"),
    ]
