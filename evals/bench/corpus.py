"""The bench's corpus: the real articles plus generated ones in their shape, to a chunk count.

A generated article is plausible noise for retrieval: its sentences come from a word-level
Markov chain trained on the real corpus' own sentences, its sections and Q&A questions from
the same chain (questions from the chain's question starts), so its vocabulary and phrasing
are the real article's and it competes with it for every question. Everything is seeded:
one size is the same corpus on every run and machine.

A generated sentence never repeats ``COPIED_RUN`` words in a row of the real corpus. A
first-order chain over one short article otherwise copies it: most of its words have a
single follower, so the chain walked whole clauses of the article, and at 1,004 chunks a
generated chunk was closer to the question than every chunk of the article for 29 of its
44 questions. Such a chunk holds the article's answer, so citing it is not wrong, yet the
evaluation scored it so; the bench then measured copies, not retrieval among other
articles on the same subject, which is what a corpus of many articles is.

Generated headings never start like a section the evaluation expects: the metrics match
sections by prefix, and a distractor under the same name would be scored as a right answer.
"""

from __future__ import annotations

import json
import random
import re
import shutil
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from assistant.sentences import sentence_spans
from ingest.document import prepare
from ingest.loaders import CorpusFileError, discover, load_file

__all__ = ["COPIED_RUN", "GeneratedCorpus", "SentenceChain", "generate_corpus", "real_documents"]

_START, _END = "\x02", "\x03"
_WORD = re.compile(r"\S+")
# Words in a row that a generated article may not share with the real corpus: pairs of
# its words stay (the chain is made of them), three in a row do not.
COPIED_RUN = 3
# Followers drawn before a sentence ends because every one would copy. Drawn, not filtered:
# the commonest words' follower lists hold hundreds of entries.
_DRAWS = 8


def _key(word: str) -> str:
    return word.strip(".,;:!?\"'()[]-–—").casefold()


def _ended(words: list[str]) -> str:
    """A sentence the chain stopped early (at its length or a run it may not copy) ends
    like one, so that a paragraph of them splits into the same sentences again."""
    text = " ".join(words)
    return text if text.endswith((".", "!", "?")) else text.rstrip(",;:-–—") + "."


class SentenceChain:
    """A first-order word Markov chain over sentences; question starts kept apart.

    With ``avoid_runs`` set, no sentence it writes holds that many words in a row (compared
    without case or punctuation) of the sentences it was trained on."""

    def __init__(self, sentences: list[str], avoid_runs: int = 0) -> None:
        self.next: dict[str, list[str]] = defaultdict(list)
        self.question_starts: list[str] = []
        self.avoid_runs = avoid_runs
        self._runs: set[tuple[str, ...]] = set()
        for sentence in sentences:
            words = _WORD.findall(sentence)
            if avoid_runs:
                keys = [_key(w) for w in words]
                self._runs.update(tuple(keys[i : i + avoid_runs]) for i in range(len(keys) - avoid_runs + 1))
            if len(words) < 3:
                continue
            for a, b in zip([_START, *words], [*words, _END], strict=True):
                self.next[a].append(b)
            if sentence.rstrip().endswith("?"):
                self.question_starts.append(words[0])
        if not self.question_starts:  # a corpus with no question: any start will do
            self.question_starts = list(self.next[_START])

    def sentence(self, rng: random.Random, start: str | None = None, min_words: int = 6, max_words: int = 28) -> str:
        """One sentence of the chain (retried until its length is in bounds)."""
        for _ in range(50):
            words = [start or rng.choice(self.next[_START])]
            while len(words) < max_words:
                following = self.next.get(words[-1])
                if not following:
                    break
                word = self._follower(rng, following, words)
                if word == _END:
                    break
                words.append(word)
            if len(words) >= min_words:
                return _ended(words)
        return _ended(words)

    def _follower(self, rng: random.Random, following: list[str], words: list[str]) -> str:
        """A follower drawn by the chain's odds, or the end where every draw would copy a run."""
        if not self.avoid_runs:
            return rng.choice(following)
        before = tuple(_key(w) for w in words[1 - self.avoid_runs :])
        for _ in range(_DRAWS):
            word = rng.choice(following)
            run = (*before, _key(word))
            if word == _END or len(run) < self.avoid_runs or run not in self._runs:
                return word
        return _END

    def heading(self, rng: random.Random) -> str:
        """A short heading: the first few words of a sentence, without its end mark."""
        words = self.sentence(rng, min_words=3).split()[: rng.randint(2, 6)]
        return " ".join(words).rstrip(".,;:!?-–—").strip() or "Notes"

    def question(self, rng: random.Random) -> str:
        text = self.sentence(rng, start=rng.choice(self.question_starts), min_words=5, max_words=18)
        return text.rstrip(".,;:!-–—") + ("" if text.endswith("?") else "?")


def real_documents(corpus_dir: Path, chunk_size: int, chunk_overlap: int):
    """The real corpus prepared as ingestion would (cleaned text and chunks)."""
    documents = []
    for path in discover(corpus_dir):
        try:
            documents.append(prepare(load_file(path, corpus_dir), chunk_size, chunk_overlap))
        except CorpusFileError:
            continue  # ingestion reports it; the bench needs only what ingests
    return documents


def _article(chain: SentenceChain, rng: random.Random, number: int, reserved: tuple[str, ...]) -> tuple[str, str]:
    """One generated article in Markdown, in the real article's shape: an introduction, a few
    sections of prose, then a Q&A section of questions with their answers."""

    def heading() -> str:
        while True:  # never under a name the evaluation expects (see the module's note)
            text = chain.heading(rng)
            if not text.startswith(reserved):
                return text

    def question() -> str:
        while True:
            text = chain.question(rng)
            if not text.startswith(reserved):
                return text

    def paragraph(sentences: int) -> str:
        return " ".join(chain.sentence(rng) for _ in range(sentences))

    title = heading()
    lines = [paragraph(rng.randint(2, 4)), ""]
    for _ in range(rng.randint(2, 4)):
        lines += [f"## {heading()}", "", paragraph(rng.randint(2, 5)), ""]
    lines += ["## Q & A", ""]
    for _ in range(rng.randint(3, 5)):
        lines += [f"### {question()}", ""]
        for _ in range(rng.randint(1, 2)):
            lines += [paragraph(rng.randint(2, 5)), ""]
    front = f'---\ntitle: {json.dumps(title)}\nauthor: "Generated {number}"\n---\n\n'
    return title, front + "\n".join(lines)


@dataclass
class GeneratedCorpus:
    folder: Path
    chunks: int  # chunks ingestion will make of it, counted by ingestion's own code
    files: int
    real_chunks: int


def generate_corpus(
    real_corpus: Path,
    folder: Path,
    target_chunks: int,
    reserved_sections: tuple[str, ...],
    chunk_size: int = 1000,
    chunk_overlap: int = 200,
    seed: int = 12,
    avoid_runs: int = COPIED_RUN,
) -> GeneratedCorpus:
    """The real corpus copied into ``folder``, then generated articles until ingestion would
    make about ``target_chunks`` chunks (counted with ingestion's own chunker); none of them
    holds ``avoid_runs`` words in a row of the real corpus (0: no such limit)."""
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(real_corpus, folder)
    real = real_documents(folder, chunk_size, chunk_overlap)
    chunks = sum(len(d.chunks) for d in real)
    sentences = [d.cleaned_text[a:b] for d in real for a, b in sentence_spans(d.cleaned_text)]
    chain = SentenceChain(sentences, avoid_runs)
    rng = random.Random(seed)
    generated = folder / "generated"
    files = 0
    while chunks < target_chunks:
        _, text = _article(chain, rng, files + 1, reserved_sections)
        path = generated / f"{files // 500:03d}" / f"article-{files + 1:05d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        chunks += len(prepare(load_file(path, folder), chunk_size, chunk_overlap).chunks)
        files += 1
    return GeneratedCorpus(folder, chunks, files + len(real), sum(len(d.chunks) for d in real))
