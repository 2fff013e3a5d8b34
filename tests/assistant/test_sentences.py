from assistant.sentences import sentence_spans


def test_sentence_spans_respect_abbreviations_and_line_breaks():
    text = "Top skills: deep (e.g. set up things), ability. Next one? Yes!\nHeading\n\nLast."
    pieces = [text[a:b] for a, b in sentence_spans(text)]
    assert pieces == ["Top skills: deep (e.g. set up things), ability.", "Next one?", "Yes!", "Heading", "Last."]
