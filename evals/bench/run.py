"""The bench, size by size: generate, ingest, retrieve, answer, the peer, the server.

The report is written after each size, so a run stopped part-way keeps what it measured.
torch and llama.cpp each want every core, so no step runs beside another.
"""

from __future__ import annotations

import gc
import platform
import random
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from assistant.settings import Settings
from evals.bench.corpus import SentenceChain, generate_corpus, real_documents
from evals.dataset import Case, load_cases

__all__ = ["FULL_SIZES", "QUICK_SIZES", "BenchPlan", "run_bench"]

FULL_SIZES = (11, 1_000, 5_000, 20_000)
QUICK_SIZES = (11, 200)


@dataclass
class BenchPlan:
    sizes: Sequence[int]
    quick: bool
    out: Path

    @property
    def in_scope_questions(self) -> int:  # the real article's own questions asked with the LLM
        return 1 if self.quick else 1_000

    @property
    def off_topic_questions(self) -> int:
        return 1 if self.quick else 1_000

    @property
    def llm_max_tokens(self) -> int | None:  # a smoke run needs an answer, not a whole one
        return 16 if self.quick else None

    @property
    def retrieval_questions(self) -> int:
        return 6 if self.quick else 1_000

    @property
    def requests_per_level(self) -> int:  # requests at each of 1, 4 and 16 clients
        return 4 if self.quick else 200


def _answer_cases(plan: BenchPlan) -> list[Case]:
    cases = load_cases()
    gold = [c for c in cases if c.category == "gold"][: plan.in_scope_questions]
    off_topic = [c for c in cases if c.category == "out_of_scope"][: plan.off_topic_questions]
    return gold + off_topic


def _distinct_questions(settings: Settings, count: int) -> list[str]:
    """The dataset's questions, then generated ones from the real corpus, all different."""
    questions = list(dict.fromkeys(c.question for c in load_cases() if not c.history))
    documents = real_documents(settings.corpus_dir, settings.chunk_size, settings.chunk_overlap)
    from assistant.sentences import sentence_spans

    chain = SentenceChain([d.cleaned_text[a:b] for d in documents for a, b in sentence_spans(d.cleaned_text)])
    rng = random.Random(7)
    seen = set(questions)
    for _ in range(count * 50):
        if len(questions) >= count:
            break
        question = chain.question(rng)
        if question not in seen:
            seen.add(question)
            questions.append(question)
    return questions[:count]


def machine() -> dict:
    import os

    memory = 0.0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory = round(int(line.split()[1]) / 1024 / 1024, 1)
    return {
        "cpus": os.cpu_count(),
        "memory_gib": memory,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
    }


def run_bench(settings: Settings, plan: BenchPlan, say: Callable[[str], None] = lambda _: None) -> dict:
    from evals.bench.report import write_report

    reserved = tuple(sorted({s for c in load_cases() for s in c.sections}))
    results: dict = {
        "meta": {
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "quick": plan.quick,
            "sizes": list(plan.sizes),
            "machine": machine(),
            "answer_backend": "embedded",
            "server_backend": "extractive",
        },
        "sizes": [],
    }
    work = plan.out / "work"
    for target in plan.sizes:
        begun = time.perf_counter()
        folder = work / str(target)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        say(f"{target} chunks: generating the corpus")
        corpus = generate_corpus(
            settings.corpus_dir, folder / "corpus", target, reserved, settings.chunk_size, settings.chunk_overlap
        )
        update = {"corpus_dir": corpus.folder, "data_dir": folder / "data", "chroma_url": "", "llm_backend": "embedded"}
        if plan.llm_max_tokens is not None:
            update["llm_max_tokens"] = plan.llm_max_tokens
        sized = settings.model_copy(update=update)
        row = {
            "target": target,
            "corpus": {"chunks": corpus.chunks, "files": corpus.files, "real_chunks": corpus.real_chunks},
        }
        row.update(_measure(sized, plan, folder, say))
        row["seconds"] = round(time.perf_counter() - begun, 1)
        results["sizes"].append(row)
        results["meta"]["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
        write_report(results, plan.out)
        shutil.rmtree(folder, ignore_errors=True)  # a 20,000-chunk store is hundreds of MB
        say(f"{target} chunks: done in {row['seconds']:.0f} s; report in {plan.out}")
    return results


def _measure(settings: Settings, plan: BenchPlan, folder: Path, say: Callable[[str], None]) -> dict:
    from assistant.composition import build_retriever, build_service
    from evals.bench.answer_bench import bench_answers
    from evals.bench.ingest_bench import bench_ingest
    from evals.bench.peer_chain import bench_peer, build_peer_chain
    from evals.bench.retrieval_bench import bench_retrieval
    from evals.bench.server_bench import bench_server
    from evals.suite import cleaned_texts
    from ingest.store import forget_embedded_store

    env = {
        "ASSISTANT_CORPUS_DIR": str(settings.corpus_dir),
        "ASSISTANT_DATA_DIR": str(settings.data_dir),
        "ASSISTANT_CHROMA_URL": "",
    }
    row: dict = {}
    say("  ingest: first run, unchanged re-run, floor")
    row["ingest"] = bench_ingest(env, folder / "floor-store")

    say("  retrieval")
    retriever = build_retriever(settings)
    collection = retriever.store.client.get_collection(settings.collection)
    questions = [c.question for c in load_cases() if not c.history][: plan.retrieval_questions]
    row["retrieval"] = bench_retrieval(retriever, collection, questions, settings.top_k)

    say("  answers (embedded backend) and their llama-cpp-python floor")
    started = time.perf_counter()
    service = build_service(settings, retriever)  # with its warm-up, as `assistant serve` starts
    load_s = time.perf_counter() - started
    cases = _answer_cases(plan)
    row["answers"] = bench_answers(service, cases, cleaned_texts(settings.cleaned_dir))
    row["answers"]["service_load_s"] = round(load_s, 2)

    say("  the peer: a plain LangChain chain")
    chain = build_peer_chain(
        retriever.store.client, settings.collection, retriever.store.embeddings, service.llm, settings.top_k
    )
    row["peer"] = bench_peer(chain, cases)
    del chain, service, retriever, collection
    gc.collect()
    forget_embedded_store(settings.chroma_dir)

    say("  the server: cold start, memory, throughput")
    questions = _distinct_questions(settings, 3 * plan.requests_per_level)
    row["server"] = bench_server(env, questions, plan.requests_per_level, folder.parent / f"serve-{folder.name}.log")
    return row
