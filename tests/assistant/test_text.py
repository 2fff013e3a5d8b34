from assistant.text import negation_count, sentence_spans, terms


def test_sentence_spans_respect_abbreviations_and_line_breaks():
    text = "Top skills: deep (e.g. set up things), ability. Next one? Yes!\nHeading\n\nLast."
    pieces = [text[a:b] for a, b in sentence_spans(text)]
    assert pieces == ["Top skills: deep (e.g. set up things), ability.", "Next one?", "Yes!", "Heading", "Last."]


def test_terms_stem_and_drop_stopwords():
    assert terms("Losing my engineering chops") == terms("lose the engineering chop")
    assert "the" not in terms("the managers")


def test_negations_are_counted():
    assert negation_count("You won't lose it") == 1
    assert negation_count("It is a myth and almost never exists") == 2
    assert negation_count("You will lose it") == 0
