from assistant.terms import negation_count, terms


def test_terms_stem_and_drop_stopwords():
    assert terms("Losing my engineering chops") == terms("lose the engineering chop")
    assert "the" not in terms("the managers")


def test_negations_are_counted():
    assert negation_count("You won't lose it") == 1
    assert negation_count("It is a myth and almost never exists") == 2
    assert negation_count("You will lose it") == 0
