import random
import re

from assistant.sentences import sentence_spans
from evals.bench.corpus import COPIED_RUN, SentenceChain, generate_corpus, real_documents

_WORD = re.compile(r"[\w'’]+")


def _runs(text: str, n: int) -> set[tuple[str, ...]]:
    """Runs of ``n`` words within each sentence, words compared without case or punctuation
    (the chain is trained on, and writes, whole sentences)."""
    runs = set()
    for a, b in sentence_spans(text):
        words = [w.strip(".,;:!?\"'()[]-–—").casefold() for w in text[a:b].split()]
        runs |= {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}
    return runs


def _sentences(chain: SentenceChain, count: int = 300) -> list[str]:
    rng = random.Random(3)
    return [chain.sentence(rng) for _ in range(count)] + [chain.question(rng) for _ in range(count // 3)]


TRAINING = [
    "A staff engineer sets the technical direction for several teams at once.",
    "A staff engineer writes less code and more documents than a senior engineer does.",
    "The engineering manager hires, coaches and grows the people on a team.",
    "The product manager decides what the team builds next and why it matters.",
    "Do you want to manage people or to build systems?",
    "Do you want to write code every day or to set direction?",
]


def test_a_chain_told_to_avoid_runs_never_writes_one_of_its_training_text():
    training_runs = set().union(*(_runs(s, COPIED_RUN) for s in TRAINING))
    avoiding = _sentences(SentenceChain(TRAINING, avoid_runs=COPIED_RUN))
    copying = _sentences(SentenceChain(TRAINING))
    assert not any(_runs(s, COPIED_RUN) & training_runs for s in avoiding)
    # the same chain without the limit copies (what the limit is for), in the same vocabulary
    assert any(_runs(s, COPIED_RUN) & training_runs for s in copying)
    vocabulary = {w.casefold() for s in TRAINING for w in _WORD.findall(s)}
    assert all({w.casefold() for w in _WORD.findall(s)} <= vocabulary for s in avoiding)
    assert all(s.endswith("?") for s in avoiding[300:])


def test_the_generated_corpus_keeps_the_article_and_copies_none_of_it(tmp_path, corpus):
    reserved = ("Q & A > Will I", "Staff")
    generated = generate_corpus(corpus, tmp_path / "bench", 120, reserved)
    again = generate_corpus(corpus, tmp_path / "again", 120, reserved)
    article_runs = set().union(*(_runs(d.cleaned_text, COPIED_RUN) for d in real_documents(corpus, 1000, 200)))
    files = sorted((generated.folder / "generated").rglob("*.md"))
    assert generated.chunks >= 120 and generated.files == len(files) + 1
    assert [f.read_text() for f in files] == [f.read_text() for f in sorted((again.folder / "generated").rglob("*.md"))]
    for path in files:
        text = path.read_text(encoding="utf-8")
        body = text.split("---", 2)[2]
        for line in body.splitlines():
            if line == "## Q & A":  # the shape's one fixed heading
                continue
            assert not _runs(line.lstrip("# "), COPIED_RUN) & article_runs, (path.name, line)
        assert not any(line.lstrip("# ").startswith(reserved) for line in body.splitlines() if line.startswith("#"))
