"""Questions read in the corpus's words: short forms, truncations, misspellings, the rest uncovered."""

from __future__ import annotations

import pytest

from assistant.reading import QuestionReader

CORPUS = [
    "Engineering manager - bring people together.",
    "Promotions at the highest levels work the same way for every exec.",
    "Management is about people; a manager helps teams accomplish goals.",
    "Should you dig deeper technically?",
]
GLOSSARY = {"em": "engineering manager"}
LEXICON = frozenset({"scared", "google", "salary"})


@pytest.fixture
def reader():
    return QuestionReader.from_texts(CORPUS, GLOSSARY, LEXICON)


def test_a_glossary_short_form_is_expanded_and_its_plural_too(reader):
    assert reader.read("EM skills?").text == "EM (engineering manager) skills?"
    assert reader.read("do EMs code?").text == "do EMs (engineering manager) code?"


def test_truncations_both_ways_and_consonant_skeletons_reach_the_corpus_word(reader):
    reading = reader.read("promo to executive: mgr or mgmt?")
    assert reading.expansions == {"promo": "promotions", "executive": "exec", "mgr": "manager", "mgmt": "management"}
    assert reading.uncovered == []


def test_a_misspelling_is_corrected_but_a_real_word_is_not(reader):
    assert reader.read("dig deeper techniclly?").text == "dig deeper technically?"
    reading = reader.read("scared of salary talks at Google?")
    assert reading.text == "scared of salary talks at Google?"
    assert reading.uncovered == ["scared", "salary", "talks", "google"]


def test_possessives_and_negations_are_the_words_they_attach_to(reader):
    assert reader.read("a manager's goals? shouldn't they?").uncovered == []


def test_a_word_left_out_leaves_the_rest(reader):
    reading = reader.read("How much does a manager make at Google?")
    assert reading.without("google") == "How much does a manager make at ?"
