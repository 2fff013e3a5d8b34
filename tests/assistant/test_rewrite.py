import pytest

from assistant.rewrite import Turn, standalone_question

pytestmark = pytest.mark.integration


def history(*questions: str) -> list[Turn]:
    turns = []
    for question in questions:
        turns += [Turn(role="user", content=question), Turn(role="assistant", content="An answer [1].")]
    return turns


def test_what_about_x_replaces_the_closest_phrase(embeddings):
    rewritten = standalone_question(
        "What about managers?", history("What are the top skills of a staff engineer?"), embeddings.embed_documents
    )
    assert rewritten == "What are the top skills of a managers?"


def test_a_pronoun_follow_up_carries_the_previous_question(embeddings):
    rewritten = standalone_question("Is it worth it?", history("Should I move into product?"), embeddings.embed_documents)
    assert "Should I move into product?" in rewritten


def test_a_standalone_question_is_left_alone(embeddings):
    question = "How do I know if I'm making the right choice?"
    assert standalone_question(question, history("What does a staff engineer do?"), embeddings.embed_documents) == question
    assert standalone_question("What about managers?", [], embeddings.embed_documents) == "What about managers?"
