"""Token counts and the cut answer text of the OpenAI-compatible endpoint."""

from __future__ import annotations

import pytest

from assistant.server.completion_text import CompletionText
from assistant.tokens import WordTokens


def test_word_tokens_count_words_and_marks():
    words = WordTokens()
    assert words.count("Staff engineers don't only code [12].") == 11
    assert words.count("") == 0
    assert words.cut("Staff engineers don't only code [12].", 4) == "Staff engineers don'"
    assert words.cut("one two", 5) == "one two"


def test_completion_text_cuts_at_max_tokens_once():
    text = CompletionText(WordTokens(), max_tokens=3)
    assert text.add("one two") == "one two"
    assert text.add(" three four") == " three" and text.finish_reason == "length" and text.done
    assert text.add(" five") == "" and text.end() == "" and text.sent == "one two three"


@pytest.mark.parametrize("pieces", [["ab", "cSTOPd"], ["abcST", "OPd"], ["abcSTOP", "d"], ["a", "b", "c", "S", "T", "O", "P"]])
def test_completion_text_never_sends_a_stop_sequence_split_across_pieces(pieces):
    text = CompletionText(WordTokens(), stop=["STOP", "zz"])
    sent = "".join(text.add(p) for p in pieces) + text.end()
    assert sent == "abc" and text.finish_reason == "stop" and text.done


def test_completion_text_releases_what_it_held_back_at_the_end():
    text = CompletionText(WordTokens(), stop=["STOP"])
    assert text.add("abcdef") == "abc"
    assert text.end() == "def" and text.finish_reason == "stop" and not text.done
