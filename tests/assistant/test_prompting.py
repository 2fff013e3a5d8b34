"""The sentence prompt: one sentence for the bundled model, as before; a few for a strong one."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from assistant.evidence import Evidence
from assistant.prompting import sentence_messages
from assistant.settings import Settings

SELECTED = [
    Evidence(0, "Check in at least every half a year.", 0, 36),
    Evidence(1, "Most decisions are reversible.", 40, 70),
]


def test_one_sentence_is_asked_in_the_words_the_bundled_model_was_measured_with():
    system, human = sentence_messages(SELECTED, "How often should I check in?")
    assert system.content.startswith("Answer the career question in one sentence, using only the numbered sentences.")
    assert "End with the number of the sentence you used, like [1]." in system.content
    assert human.content.startswith("[1] Check in at least every half a year.\n[2] Most decisions are reversible.")


def test_a_strong_model_may_be_asked_for_up_to_three():
    system, _ = sentence_messages(SELECTED, "How often should I check in?", sentences=3)
    assert "in at most 3 short sentences" in system.content
    assert "End each sentence with the number of the sentence you used" in system.content


@pytest.mark.parametrize("value", [0, 5])
def test_the_setting_is_bounded(value):
    with pytest.raises(ValidationError):
        Settings(_env_file=None, llm_sentences=value)
    assert Settings(_env_file=None).llm_sentences == 1
