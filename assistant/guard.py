"""The guard between the LLM and the user: every sentence shown must be true to the article.

Each sentence the model writes is checked against the passage it cites: it must be close
in meaning to a sentence (or two adjacent sentences) of that passage, share most of its
content words with it, and not flip its polarity ("you will lose" against "you won't
lose"). A sentence that fails is removed; one that is supported by another retrieved
passage than the one it names is re-cited to that passage. What to quote instead when
too little survives is assistant/quotes.py's job.

Written by hand: LangChain has no sentence-level grounding check, and an LLM judge is
out of reach on this machine (the only local model is the one being checked).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.evidence import Evidence, PassageEvidence, Vector
from assistant.similarity import dot as _dot
from assistant.terms import idf_share, negation_count, terms, words

__all__ = ["Guard", "Verdict"]

# Thresholds for "supported". Measured on paraphrases and distortions of the article's
# sentences (tests/assistant/test_guard.py holds the cases): a faithful paraphrase scores
# 0.6 and up with the bundled model, an unrelated claim about the same topic below 0.5.
SUPPORT_SIMILARITY = 0.55
SUPPORT_WORD_SHARE = 0.5
DUPLICATE_SIMILARITY = 0.9
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
# colon) announces a claim it never makes ("The top skills of a manager are: [2].").
_DANGLING_WORDS = frozenset(
    """a an the of to for and or but nor with are is was were be been being as by from in on at into than
    that because like such including whose which who whom their our your my its""".split()
)
_DANGLING_PUNCTUATION = (":", ";", ",", "-", "–", "—", "(")


def _is_fragment(sentence: str) -> bool:
    """A sentence that does not state a whole claim: it ends on a colon or a function word."""
    core = sentence.rstrip().rstrip(".!…").rstrip()
    if not core or core.endswith(_DANGLING_PUNCTUATION):
        return True
    last = words(core)[-1:] or [""]
    return last[0] in _DANGLING_WORDS


# The model is asked to open with a direct answer ("Yes, ...", "No, ..."): the claim after it
# must hold on its own too, or "No, staff engineers only write code" passes as one denial.
_ANSWER_WORD = re.compile(r"^\s*(?:yes|no)\b[\s,.:;!-]*", re.IGNORECASE)


def _flips(claim: str, evidence: str) -> bool:
    """One side negates and the other does not ("No, you won't lose" against "you will lose").

    Presence, not parity: "No, you will not lose" is one denial, not a double negative.
    """
    after_answer = _ANSWER_WORD.sub("", claim, count=1)
    if after_answer != claim and (negation_count(after_answer) > 0) != (negation_count(evidence) > 0):
        return True
    return (negation_count(claim) > 0) != (negation_count(evidence) > 0)


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    # supported | re-cited | unsupported | off-topic | contradicts | filler | fragment | question | duplicate
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
        top = max((p.score for p in self.passages), default=0.0)
        self.relevant = [i for i, p in enumerate(self.passages) if p.score >= top - RELEVANCE_MARGIN]
        if question and self.relevant:
            wanted = terms(question)
            named = {i: idf_share(wanted, set(terms(self.passages[i].section)), idf) for i in self.relevant}
            best = max(named.values())
            self.relevant = [i for i in self.relevant if named[i] >= best - HEADING_MARGIN]
        self._accepted: list[Vector] = []

    def _word_share(self, content: set[str], evidence: Evidence) -> float:
        """How much of the sentence's content the evidence holds, rare words weighing more:
        "engineer" is in every chunk of this corpus and proves little, "money" in none."""
        return idf_share(content, set(terms(evidence.text)), self.idf)

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
        content = terms(sentence)
        if len(content) < MIN_CONTENT_WORDS:
            return Verdict(False, "filler")
        vector = self.embed_many([sentence])[0]
        cited = sorted({m - 1 for m in markers if 1 <= m <= len(self.passages)} & set(self.relevant))
        others = [i for i in self.relevant if i not in cited]
        off_topic = [i for i in range(len(self.passages)) if i not in self.relevant]
        # A sentence better supported by a passage beside the question than by any relevant
        # one was taken from there, even when it also resembles a relevant sentence (another
        # path's "Top skills: ..." line shares its rare words with its own section only).
        beside, beside_evidence = self._support(vector, set(content), off_topic)
        if (
            beside_evidence is not None
            and beside >= self._support(vector, set(content), self.relevant)[0] + SOURCE_MARGIN
        ):
            return Verdict(False, "off-topic", beside_evidence, beside)
        closest: tuple[Evidence | None, float] = (None, -1.0)
        for group, reason in ((cited, "supported"), (others, "re-cited"), (off_topic, "off-topic")):
            ranked = self._ranked(vector, group)
            if ranked and ranked[0][0] > closest[1]:
                closest = (ranked[0][1], ranked[0][0])
            for similarity, evidence in ranked:
                if similarity < SUPPORT_SIMILARITY:
                    break
                if self._word_share(set(content), evidence) < SUPPORT_WORD_SHARE:
                    continue
                if _flips(sentence, evidence.text):
                    return Verdict(False, "contradicts", evidence, similarity)
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
