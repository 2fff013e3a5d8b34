"""The guard between the LLM and the user: every sentence shown must be true to the article.

Each sentence the model writes is checked against the passage it cites: it must be close
in meaning to a sentence (or two adjacent sentences) of that passage, share most of its
content words with it, not flip its polarity ("you will lose" against "you won't lose"),
not swap the sides of a comparison, and not be made of the question's words rather than the
passage's. A sentence that fails is removed; one that is supported by another retrieved
passage than the one it names is re-cited to that passage. What to quote instead when too
little survives is assistant/quotes.py's job.

How often it is right is measured on a labelled set of candidate sentences
(evals/guard_set.yaml, `assistant eval`): the bars below were set on its tuning half.

Written by hand: LangChain has no sentence-level grounding check, and an LLM judge is
out of reach on this machine (the only local model is the one being checked). A logistic
regression over these checks' measures, fitted on the tuning half, separated faithful from
wrong sentences no better than the bars (cross-validated AUC 0.82), so the bars stay.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.evidence import Evidence, PassageEvidence, Vector
from assistant.similarity import dot as _dot
from assistant.terms import STOPWORDS, idf_share, negation_count, terms, words

__all__ = ["Guard", "Verdict"]

# Thresholds for "supported". Measured on paraphrases and distortions of the article's
# sentences (tests/assistant/test_guard.py holds the cases): a faithful paraphrase scores
# 0.6 and up with the bundled model, an unrelated claim about the same topic below 0.5.
SUPPORT_SIMILARITY = 0.55
SUPPORT_WORD_SHARE = 0.5
DUPLICATE_SIMILARITY = 0.9
# A sentence whose content comes this much (idf-weighted) from the question and not from the
# evidence restates the question or its premise ("You want to know why ...", "Since managers
# earn more, ..."). Fitted on the guard set's tuning half: the bar that removed the most wrong
# sentences the other bars let through for each faithful one it removed (4 for 1).
QUESTION_WORDS_SHARE = 0.17
# Only passages nearly as relevant as the best one may support a model sentence: a small
# model likes to copy true but beside-the-point sentences from the other passages.
RELEVANCE_MARGIN = 0.12
# And only passages whose heading names the question's subject about as well as the best
# heading does: "Top skills: ..." under "Staff engineer" is true, but no answer to "EM
# skills?" when "Engineering manager" was retrieved too.
HEADING_MARGIN = 0.25
# A model sentence this much better supported (similarity + word share) by a sentence beside
# the question than by any relevant one was taken from there.
SOURCE_MARGIN = 0.1
MIN_CONTENT_WORDS = 3
# Words a finished statement does not end on: a sentence that stops at one of them (or at a
# colon) announces a claim it never makes ("The top skills of a manager are: [2]."). Not "on":
# a whole sentence may end on it ("... what the team is working on.").
_DANGLING_WORDS = frozenset(
    """a an the of to for and or but nor with are is was were be been being as by from in at into than
    that because like such including whose which who whom their our your my its""".split()
)
_DANGLING_PUNCTUATION = (":", ";", ",", "-", "–", "—", "(")
_FINISHED = (".", "!", "…", '"', "”", "’", "'", ")")


def _is_fragment(sentence: str) -> bool:
    """A sentence that does not state a whole claim: it ends on a colon or a function word,
    or, cut off before its full stop (the model ran out of tokens), on any common word."""
    stripped = sentence.rstrip()
    core = stripped.rstrip(".!…").rstrip()
    if not core or core.endswith(_DANGLING_PUNCTUATION):
        return True
    last = (words(core)[-1:] or [""])[0]
    return last in _DANGLING_WORDS or (not stripped.endswith(_FINISHED) and last in STOPWORDS)


# The model is asked to open with a direct answer ("Yes, ...", "No, ..."): it answers the
# question, so the claim after it must hold on its own; "No, staff engineers only write code"
# is not one denial.
_ANSWER_WORD = re.compile(r"^\s*(?:yes|no|it depends)\b[\s,.:;!-]*", re.IGNORECASE)
# Where a sentence's clauses part: polarity is compared clause by clause, so "No matter where
# you go, uplevelling means impact" does not deny what a faithful "Uplevelling means impact" says.
_CLAUSE_BREAK = re.compile(r"[,;:()–—]|\s-\s|\bbut\b")


def _claim(sentence: str) -> str:
    """The sentence without its opening "Yes,", "No," or "It depends:"."""
    return _ANSWER_WORD.sub("", sentence, count=1)


def _negated_where_shared(text: str, other: set[str]) -> bool:
    """Whether a clause of ``text`` that shares content with ``other`` negates (any clause,
    when none shares any). Any, not the one that shares most: that kept more faithful
    sentences of the guard set's tuning half but let as many more wrong ones through."""
    clauses = [c for c in _CLAUSE_BREAK.split(text) if c.strip()]
    shared = [c for c in clauses if set(terms(c)) & other] or clauses
    return any(negation_count(c) > 0 for c in shared)


def _flips(claim: str, evidence: str) -> bool:
    """One side negates where the two meet and the other does not ("you won't lose" against
    "you will lose"). Presence, not parity: "you will not lose" is one denial, not a double negative."""
    body = _claim(claim)
    return _negated_where_shared(body, set(terms(evidence))) != _negated_where_shared(evidence, set(terms(body)))


def _around_than(text: str) -> tuple[set[str], set[str]] | None:
    tokens = words(text)
    if "than" not in tokens:
        return None
    at = tokens.index("than")
    return set(terms(" ".join(tokens[:at]))), set(terms(" ".join(tokens[at + 1 :])))


def _swaps(claim: str, evidence: str) -> bool:
    """The two sides of a comparison traded: "more experts than managers" against "more
    managers than deep experts" (the same words, so meaning and word share both pass)."""
    mine, theirs = _around_than(_claim(claim)), _around_than(evidence)
    if mine is None or theirs is None:
        return False
    return bool((mine[1] & theirs[0]) - theirs[1]) or bool((mine[0] & theirs[1]) - theirs[0])


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _new_numbers(claim: str, evidence: str) -> bool:
    """A number the evidence does not hold ("Engineering manager - 20%"): a detail changed
    or made up, however close the rest of the sentence is."""
    return bool(set(_NUMBER.findall(claim)) - set(_NUMBER.findall(evidence)))


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    # supported | re-cited | unsupported | off-topic | contradicts | filler | fragment | question
    # | duplicate | echo
    reason: str
    evidence: Evidence | None = None
    similarity: float = 0.0


class Guard:
    """Checks one answer's sentences against the passages retrieved for it."""

    def __init__(self, evidence: PassageEvidence, idf: Callable[[str], float], question: str = "") -> None:
        self.passages = evidence.passages
        self.evidence = evidence.by_passage
        self.embed_many = evidence.embed_many
        self.idf = idf
        self.question_terms = set(terms(question))
        top = max((p.score for p in self.passages), default=0.0)
        self.relevant = [i for i, p in enumerate(self.passages) if p.score >= top - RELEVANCE_MARGIN]
        if question and self.relevant:
            named = {
                i: idf_share(self.question_terms, set(terms(self.passages[i].section)), idf) for i in self.relevant
            }
            best = max(named.values())
            self.relevant = [i for i in self.relevant if named[i] >= best - HEADING_MARGIN]
        self._accepted: list[Vector] = []

    def _word_share(self, content: set[str], evidence: Evidence) -> float:
        """How much of the sentence's content the evidence holds, rare words weighing more:
        "engineer" is in every chunk of this corpus and proves little, "money" in none."""
        return idf_share(content, set(terms(evidence.text)), self.idf)

    def _from_question(self, content: set[str], evidence: Evidence) -> float:
        """How much of the sentence's content is the question's and not the evidence's."""
        borrowed = (content & self.question_terms) - set(terms(evidence.text))
        total = sum(self.idf(t) for t in content)
        return sum(self.idf(t) for t in borrowed) / total if total else 0.0

    def _ranked(self, vector: Vector, indexes: list[int]) -> list[tuple[float, Evidence]]:
        """The evidence of these passages, most similar first."""
        scored = [
            (_dot(vector, evidence_vector), evidence)
            for index in indexes
            for evidence, evidence_vector in self.evidence[index]
            if not evidence.label
        ]
        return sorted(scored, key=lambda item: -item[0])

    def _support(self, vector: Vector, content: set[str], indexes: list[int]) -> tuple[float, Evidence | None]:
        """The best support these passages give a sentence: similarity plus word share, over
        the evidence that passes both bars (0 and None when none does)."""
        best: tuple[float, Evidence | None] = (0.0, None)
        for similarity, evidence in self._ranked(vector, indexes):
            if similarity < SUPPORT_SIMILARITY:
                break
            share = self._word_share(content, evidence)
            if share >= SUPPORT_WORD_SHARE and similarity + share > best[0]:
                best = (similarity + share, evidence)
        return best

    def check(self, sentence: str, markers: list[int]) -> Verdict:
        if sentence.rstrip().endswith("?"):
            return Verdict(False, "question")
        if _is_fragment(sentence):
            return Verdict(False, "fragment")
        content = set(terms(sentence))
        if len(content) < MIN_CONTENT_WORDS:
            return Verdict(False, "filler")
        vector = self.embed_many([sentence])[0]
        cited = sorted({m - 1 for m in markers if 1 <= m <= len(self.passages)} & set(self.relevant))
        others = [i for i in self.relevant if i not in cited]
        off_topic = [i for i in range(len(self.passages)) if i not in self.relevant]
        # A sentence better supported by a passage beside the question than by any relevant
        # one was taken from there, even when it also resembles a relevant sentence (another
        # path's "Top skills: ..." line shares its rare words with its own section only).
        beside, beside_evidence = self._support(vector, content, off_topic)
        if beside_evidence is not None and beside >= self._support(vector, content, self.relevant)[0] + SOURCE_MARGIN:
            return Verdict(False, "off-topic", beside_evidence, beside)
        closest: tuple[Evidence | None, float] = (None, -1.0)
        for group, reason in ((cited, "supported"), (others, "re-cited"), (off_topic, "off-topic")):
            ranked = self._ranked(vector, group)
            if ranked and ranked[0][0] > closest[1]:
                closest = (ranked[0][1], ranked[0][0])
            for similarity, evidence in ranked:
                if similarity < SUPPORT_SIMILARITY:
                    break
                if self._word_share(content, evidence) < SUPPORT_WORD_SHARE or _new_numbers(sentence, evidence.text):
                    continue
                if _flips(sentence, evidence.text) or _swaps(sentence, evidence.text):
                    return Verdict(False, "contradicts", evidence, similarity)
                if self._from_question(content, evidence) > QUESTION_WORDS_SHARE:
                    return Verdict(False, "echo", evidence, similarity)
                # Embeddings barely see negation, so duplicates are judged only among
                # sentences that already passed the polarity check.
                if reason == "off-topic":
                    return Verdict(False, reason, evidence, similarity)
                if any(_dot(vector, seen) > DUPLICATE_SIMILARITY for seen in self._accepted):
                    return Verdict(False, "duplicate", evidence, similarity)
                self._accepted.append(vector)
                return Verdict(True, reason, evidence, similarity)
        evidence, similarity = closest
        if evidence is not None and similarity >= SUPPORT_SIMILARITY - 0.1 and _flips(sentence, evidence.text):
            return Verdict(False, "contradicts", evidence, similarity)
        return Verdict(False, "unsupported", evidence, similarity)

    def claim(self, evidence: Evidence) -> None:
        """Count a quoted sentence as said, so a model sentence repeating it is a duplicate."""
        for candidate, vector in self.evidence[evidence.passage]:
            if (candidate.start, candidate.end) == (evidence.start, evidence.end):
                self._accepted.append(vector)
