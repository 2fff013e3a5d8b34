"""Quote selection against the real passages and model."""

from __future__ import annotations

import pytest

from assistant.evidence import EvidenceCache, PassageEvidence
from assistant.quotes import select_quotes

pytestmark = pytest.mark.integration
PM = "Will I lose my engineering skills if I move into product management?"


@pytest.fixture(scope="module")
def evidence_for(retriever):
    cache = EvidenceCache(retriever.store.embeddings.embed_documents)
    return lambda question: PassageEvidence(retriever.retrieve(question, 4), cache)


def test_quotes_are_the_article_s_own_answer_not_its_question_line(evidence_for):
    quotes = select_quotes(evidence_for(PM), PM, 2, [])
    assert "good chance you will start losing your engineering ability" in quotes[0].text
    assert all("worried about losing" not in q.text for q in quotes)


def test_quotes_skip_what_is_already_said_and_come_best_passage_first(evidence_for):
    evidence = evidence_for(PM)
    (first,) = select_quotes(evidence, PM, 1, [])
    more = select_quotes(evidence, PM, 3, [first])
    assert len(more) == 3
    assert all(not (q.start < first.end and first.start < q.end) for q in more)
    scores = [evidence.passages[q.passage].score for q in more]
    assert scores == sorted(scores, reverse=True)
