"""The glossary is read off the corpus: headings' initials and the corpus's own truncations."""

from __future__ import annotations

import pytest
from langchain_core.documents import Document

from ingest.glossary import derive_glossary


def _doc(text: str, section: str = "") -> Document:
    return Document(page_content=text, metadata={"section": section})


def test_headings_give_initials_and_truncations_come_from_shared_neighbours():
    glossary = derive_glossary(
        [
            _doc(
                "Site reliability - keep services up. The dev team and the development team both page.",
                "Site Reliability",
            ),
            _doc("Developer experience work pays off when a platform team owns it.", "Developer Experience"),
        ]
    )
    assert glossary["sr"] == "site reliability"
    assert glossary["de"] == "developer experience"
    assert glossary["dev"] == "development"  # "dev team" beside "development team"


def test_an_inflection_is_not_a_truncation_and_a_tie_stands_for_neither():
    glossary = derive_glossary(
        [
            _doc("We bring people along. Bringing people along is the staff engineer's job.", "Staff Engineer"),
            _doc("A software engineer writes code.", "Software Engineer"),
        ]
    )
    assert "bring" not in glossary  # bring -> bringing is an inflection
    assert "se" not in glossary  # "staff engineer" and "software engineer" are as common


@pytest.mark.integration
def test_the_article_s_glossary_is_stored_with_the_index(retriever):
    glossary = retriever.store.glossary()
    assert glossary is not None
    assert glossary["pm"] == "product management"
    assert glossary["em"] == "engineering manager"
    assert glossary["eng"] == "engineering"
