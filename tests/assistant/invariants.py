"""What every answer must satisfy, whatever the backend said."""

from __future__ import annotations

import re

from assistant.answer import Answer

MARKER = re.compile(r"\[(\d+)\]")


def assert_well_cited(answer: Answer, cleaned_text: str) -> None:
    if answer.abstained:
        assert answer.citations == [] and answer.sentences == []
        assert "doesn't cover" in answer.answer
        return
    markers = {int(n) for n in MARKER.findall(answer.answer)}
    ids = {c.id for c in answer.citations}
    assert markers == ids, "every marker points at a citation and every citation is used"
    assert ids == set(range(1, len(ids) + 1))
    assert 2 <= len(answer.sentences) <= 5
    assert answer.grounded
    for sentence in answer.sentences:
        assert sentence.citations and set(sentence.citations) <= ids
    for citation in answer.citations:
        assert cleaned_text[citation.start : citation.end] == citation.quote
