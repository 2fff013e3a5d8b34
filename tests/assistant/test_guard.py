"""The guard on its own: which sentences pass, against the real passages and model."""

from __future__ import annotations

import pytest

from assistant.evidence import EvidenceCache, PassageEvidence
from assistant.guard import Guard

pytestmark = pytest.mark.integration
PM = "Will I lose my engineering skills if I move into product management?"


@pytest.fixture(scope="module")
def guard_for(retriever):
    cache = EvidenceCache(retriever.store.embeddings.embed_documents)

    def build(question: str) -> Guard:
        return Guard(PassageEvidence(retriever.retrieve(question, 4), cache), retriever.idf)

    return build


@pytest.mark.parametrize(
    "sentence,reason",
    [
        ("You will probably lose some of your engineering ability and your brand as an engineer.", "supported"),
        ("As an engineer you bring valuable insight to product roles.", "supported"),
        ("Moving to another function means competing with a bigger pool of qualified people.", "supported"),
        ("No, you will not lose your engineering skills.", "contradicts"),
        ("You won't lose your engineering ability if you move to product.", "contradicts"),
        ("Product managers earn more money than engineers.", "unsupported"),
        (
            "However, there is a trade-off between engineering manager roles and product management positions.",
            "unsupported",
        ),
        ("The capital of France is Paris.", "unsupported"),
        ("So, to answer the question: will I lose my skills?", "question"),
        ("The answer is no.", "filler"),
        ("Arr, the top skills of an engineering manager are:.", "fragment"),
        ("The top skills of an engineering manager are.", "fragment"),
        ("Here is what the article says about moving to product:", "fragment"),
        ("You will probably lose some of your engineering ability and your brand as an.", "fragment"),
    ],
)
def test_sentences_about_moving_to_product(guard_for, sentence, reason):
    assert guard_for(PM).check(sentence, [1]).reason == reason


@pytest.mark.parametrize(
    "sentence,accepted",
    [
        ("Staff engineers only write code.", False),
        ("The staff engineer who only writes code is a myth.", True),
        ("Staff engineers spend most of their time in meetings.", False),
    ],
)
def test_the_myth_of_the_staff_engineer_who_only_writes_code(guard_for, sentence, accepted):
    assert guard_for("Do staff engineers only write code?").check(sentence, [1]).accepted is accepted


SUPPLY = "There is a large supply and demand gap for engineers."


def test_a_sentence_supported_by_another_passage_than_the_one_it_cites_is_re_cited(guard_for):
    guard = guard_for(PM)
    (holder,) = [i for i, p in enumerate(guard.passages) if "supply and demand gap" in p.text]
    other = next(i for i in range(len(guard.passages)) if i != holder)
    verdict = guard.check(SUPPLY, [other + 1])
    assert verdict.accepted and verdict.reason == "re-cited"
    assert verdict.evidence is not None and verdict.evidence.passage == holder
    assert "supply and demand gap" in verdict.evidence.text


def test_a_sentence_that_cites_the_passage_supporting_it_is_supported(guard_for):
    guard = guard_for(PM)
    (holder,) = [i for i, p in enumerate(guard.passages) if "supply and demand gap" in p.text]
    verdict = guard.check(SUPPLY, [holder + 1])
    assert verdict.accepted and verdict.reason == "supported"
    assert verdict.evidence is not None and verdict.evidence.passage == holder


def test_the_same_claim_twice_is_kept_once(guard_for):
    guard = guard_for(PM)
    assert guard.check("You will probably lose your brand as an engineer.", [1]).accepted
    assert guard.check("You will probably lose your brand as an engineer.", [1]).reason == "duplicate"


def test_a_fragment_ending_in_a_bare_marker_never_passes(guard_for):
    """The deterministic injection of issue 11: the pirate's "are: [2]." states nothing."""
    from assistant.citations import split_cited_sentences

    question = "What are the top skills of an engineering manager?"
    ((sentence, markers),) = split_cited_sentences("Arr, the top skills of an engineering manager are: [2].")
    assert guard_for(question).check(sentence, markers).accepted is False


@pytest.mark.parametrize(
    ("question", "copied_from"),
    [
        ("What are the top skills of an engineering manager?", "Staff engineer"),
        ("What are the top skills of an engineering manager?", "Product Management"),
        ("What skills does a staff engineer need?", "Engineering manager"),
    ],
)
def test_a_line_copied_from_another_path_s_section_is_off_topic(retriever, question, copied_from):
    """Issue 10, class 6: one path's true "Top skills" line given as another path's."""
    cache = EvidenceCache(retriever.store.embeddings.embed_documents)
    passages = retriever.retrieve(question, 4)
    source = next(p for p in passages if p.section.startswith(copied_from))
    line = next(s for s in source.text.split("\n") if s.startswith("Top skills"))
    guard = Guard(PassageEvidence(passages, cache), retriever.idf, question)
    verdict = guard.check(line.rstrip(".") + ".", [1, 2, 3, 4])
    assert verdict.reason == "off-topic"
    assert verdict.evidence is not None and passages[verdict.evidence.passage].section.startswith(copied_from)


def test_the_path_asked_about_keeps_its_own_line(retriever):
    question = "What are the top skills of an engineering manager?"
    passages = retriever.retrieve(question, 4)
    guard = Guard(
        PassageEvidence(passages, EvidenceCache(retriever.store.embeddings.embed_documents)), retriever.idf, question
    )
    verdict = guard.check("Top skills: Ability to understand and motivate people and teams.", [1])
    assert verdict.accepted


@pytest.mark.parametrize(
    "sentence,reason",
    [
        ("No, staff engineers only write code.", "contradicts"),
        ("No, the staff engineer who only writes code is a myth.", "supported"),
    ],
)
def test_the_claim_after_a_direct_yes_or_no_is_checked_on_its_own(guard_for, sentence, reason):
    assert guard_for("Do staff engineers only write code?").check(sentence, [1]).reason == reason


def asked(retriever, question: str) -> Guard:
    """The guard as an answer to ``question`` builds it (the question named, so its words are known)."""
    cache = EvidenceCache(retriever.store.embeddings.embed_documents)
    return Guard(PassageEvidence(retriever.retrieve(question, 4), cache), retriever.idf, question)


def cite(guard: Guard, words: str) -> list[int]:
    return [next(i + 1 for i, p in enumerate(guard.passages) if words in p.text)]


@pytest.mark.parametrize(
    "question,sentence",
    [
        # "No" answers the question; the claim after it agrees with the article (issue 26: it
        # was read as a denial of the article and removed).
        (
            "Can I keep leveling up just by being a great coder on my own?",
            "No, uplevelling means having a greater impact, which comes from rallying other people to work together.",
        ),
        # The article's "No matter where you go, ..." negates nothing the sentence says.
        (
            "Can I keep leveling up just by being a great coder on my own?",
            "Growing further means greater impact, which you achieve by rallying other people to work together.",
        ),
        # A sentence may end on a preposition.
        (
            "Does an engineering manager still need technical experience?",
            "Managers need technical experience to understand what their team is working on.",
        ),
    ],
)
def test_faithful_sentences_the_polarity_check_used_to_remove(retriever, question, sentence):
    guard = asked(retriever, question)
    assert guard.check(sentence, []).accepted, guard.check(sentence, []).reason


@pytest.mark.parametrize(
    "question,cited,sentence,reason",
    [
        # The sides of a comparison traded: the same words, so meaning and word share both pass.
        (
            "Why does a factory have more managers than deep experts?",
            "more managers than deep experts",
            "Each line still needs a deep expert, so naturally there are more deep experts than managers in this factory.",
            "contradicts",
        ),
        # Made of the question's words as much as the passage's: the question's premise
        # ("risky") restated as if the article said it.
        (
            "Why is leaving engineering for another function risky?",
            "large supply and demand gap",
            "Leaving engineering for another function is risky because there is a large supply and demand gap for engineers.",
            "echo",
        ),
        # Cut off before its full stop (the model ran out of tokens).
        (
            "What are the top skills of an engineering manager?",
            "Top skills: Ability to understand",
            "The top skills of an engineering manager are the ability to understand and motivate people and teams, and",
            "fragment",
        ),
    ],
)
def test_wrong_sentences_that_read_like_the_passage(retriever, question, cited, sentence, reason):
    guard = asked(retriever, question)
    assert guard.check(sentence, cite(guard, cited)).reason == reason
