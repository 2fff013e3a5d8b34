"""bench.json (every figure), bench.md (the tables) and bench.png (growth with size)."""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["SECTIONS", "write_report"]

# The sections every size holds; the smoke test checks each is there with numbers.
SECTIONS = ("corpus", "ingest", "retrieval", "answers", "peer", "server")


def _x(value: float) -> str:
    return f"{value:.2f}x"


def _n(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:g}"


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
        *("| " + " | ".join(row) + " |" for row in rows),
        "",
    ]


def _markdown(results: dict, chart: str) -> str:
    meta, sizes = results["meta"], results["sizes"]
    m = meta["machine"]
    lines = [
        "# Bench",
        "",
        (
            f"Run {meta['started']} to {meta.get('finished', '?')} UTC, {'quick' if meta['quick'] else 'full'}; "
            f"{m['cpus']} cores, {m['memory_gib']} GiB, Python {m['python']}, {m['platform']}. "
            f"Answers: {meta['answer_backend']} backend; server: {meta['server_backend']} backend. "
            "Every figure stands beside its floor from the same run; the ratio is figure / floor."
        ),
        "",
        "## Ingestion",
        "",
        "Floor: the same chunk texts embedded by sentence-transformers alone plus Chroma's add (own process).",
        "",
    ]
    lines += _table(
        [
            "chunks",
            "files",
            "ingest s",
            "chunks/s",
            "peak RSS MB",
            "floor s (embed + add)",
            "ratio",
            "floor peak RSS MB",
            "unchanged re-run s",
            "re-run writes",
            "re-run / first",
        ],
        [
            [
                _n(s["corpus"]["chunks"]),
                _n(s["corpus"]["files"]),
                f"{s['ingest']['seconds']:.1f}",
                f"{s['ingest']['chunks_per_s']:.1f}",
                _n(s["ingest"]["peak_rss_mb"]),
                (
                    f"{s['ingest']['floor_seconds']:.1f} ({s['ingest']['floor_embed_seconds']:.1f} + "
                    f"{s['ingest']['floor_add_seconds']:.1f})"
                ),
                _x(s["ingest"]["ratio"]),
                _n(s["ingest"]["floor_peak_rss_mb"]),
                f"{s['ingest']['rerun_seconds']:.2f}",
                str(s["ingest"]["rerun_writes"]),
                f"{s['ingest']['rerun_share']:.1%}",
            ]
            for s in sizes
        ],
    )
    lines += [
        "## Retrieval",
        "",
        (
            "Hybrid retrieval (top_k passages) per question, each question asked once; floor: the question embedded "
            "plus a bare Chroma query. Parts timed on their own; dense + fusion is what is left of the total. "
            "HNSW recall: share of the exact dense top 12 that Chroma's approximate search also returns."
        ),
        "",
    ]
    lines += _table(
        [
            "chunks",
            "p50 ms",
            "p95 ms",
            "embed p50",
            "BM25 p50",
            "dense + fusion p50",
            "floor p50 ms",
            "floor p95 ms",
            "ratio p50",
            "Chroma HNSW recall@12",
        ],
        [
            [
                _n(s["corpus"]["chunks"]),
                f"{r['total_ms']['p50']:.1f}",
                f"{r['total_ms']['p95']:.1f}",
                f"{r['embed_ms']['p50']:.1f}",
                f"{r['bm25_ms']['p50']:.1f}",
                f"{r['dense_fusion_ms']['p50']:.1f}",
                f"{r['floor_ms']['p50']:.1f}",
                f"{r['floor_ms']['p95']:.1f}",
                _x(r["ratio_p50"]),
                f"{r['chroma_hnsw_recall']:.2f}",
            ]
            for s in sizes
            for r in [s["retrieval"]]
        ],
    )
    lines += [
        "## Quality: the real article's questions and off-topic ones, at each size",
        "",
        (
            "Scored by the same code for both systems (evals.metrics): top citation right = the first citation "
            "lies in an expected section; hit@1 = the first retrieved passage does; off-topic abstained = no answer "
            "given (the peer has no abstention rule: it abstains only by saying the article does not cover it)."
        ),
        "",
    ]
    rows = []
    for s in sizes:
        for name, part in (("assistant", s["answers"]), ("peer chain", s["peer"])):
            q = part["quality"]
            rows.append(
                [
                    _n(s["corpus"]["chunks"]),
                    name,
                    f"{q['top_citation_right']}/{q['in_scope']}",
                    f"{q['hit_at_1']}/{q['in_scope']}",
                    f"{q['answered_in_scope']}/{q['in_scope']}",
                    f"{q['key_point_recall']:.2f}",
                    f"{q['off_topic_abstained']}/{q['off_topic']}",
                ]
            )
    lines += _table(
        ["chunks", "system", "top citation right", "hit@1", "answered", "key-point recall", "off-topic abstained"],
        rows,
    )
    lines += [
        "## Answers (embedded backend)",
        "",
        (
            "Over the answers that asked the model. Floor: the service's own model (llama-cpp-python behind "
            "ChatLlama) streamed straight on the same prompt, to the same number of tokens, right after each "
            "answer. The peer chain's latency is over all its questions (it always asks the model)."
        ),
        "",
    ]
    lines += _table(
        [
            "chunks",
            "answers",
            "first text p50 ms",
            "full p50 ms",
            "full p95 ms",
            "LLM turn p50 ms",
            "floor first token p50",
            "floor full p50 ms",
            "ratio full p50",
            "peer first text p50",
            "peer full p50 ms",
            "abstention p50 ms",
        ],
        [
            [
                _n(s["corpus"]["chunks"]),
                str(a["answers"]),
                f"{a['first_text_ms']['p50']:.0f}",
                f"{a['full_ms']['p50']:.0f}",
                f"{a['full_ms']['p95']:.0f}",
                f"{a['llm_turn_ms']['p50']:.0f}",
                f"{a['floor_first_token_ms']['p50']:.0f}",
                f"{a['floor_full_ms']['p50']:.0f}",
                _x(a["ratio_full_p50"]),
                f"{p['first_text_ms']['p50']:.0f}",
                f"{p['full_ms']['p50']:.0f}",
                f"{a['abstention_ms']['p50']:.0f}",
            ]
            for s in sizes
            for a, p in [(s["answers"]["latency"], s["peer"]["latency"])]
        ],
    )
    lines += [
        "## Server (`assistant serve`, extractive backend, loopback)",
        "",
        (
            "Cold start: process start to /readyz 200, with the index snapshot that `assistant ingest` and the "
            "first start save, and without it; floor: a process that loads only the embedding model and "
            "the stored chunks. Throughput: POST /v1/ask, distinct questions, beside GET /healthz (the HTTP stack "
            "alone) at the same clients."
        ),
        "",
    ]
    lines += _table(
        [
            "chunks",
            "cold start s",
            "without saved snapshot s",
            "floor s",
            "ratio",
            "RSS after load MB",
            "RSS after N requests MB",
            "N",
            "floor RSS MB",
            "ask/s 1 · 4 · 16",
            "healthz/s 1 · 4 · 16",
            "errors",
        ],
        [
            [
                _n(s["corpus"]["chunks"]),
                f"{v['cold_start_s']:.1f}",
                f"{v['cold_start_unsaved_s']:.1f}",
                f"{v['floor_start_s']:.1f}",
                _x(v["start_ratio"]),
                _n(v["rss_after_load_mb"]),
                _n(v["rss_after_200_mb"]),
                str(v["requests_before_rss"]),
                _n(v["floor_rss_mb"]),
                " · ".join(f"{v[f'ask_{c}']['per_s']:g}" for c in (1, 4, 16)),
                " · ".join(f"{v[f'healthz_{c}']['per_s']:g}" for c in (1, 4, 16)),
                str(sum(v[f"ask_{c}"]["errors"] for c in (1, 4, 16))),
            ]
            for s in sizes
            for v in [s["server"]]
        ],
    )
    if chart:
        lines += [f"![retrieval and ingestion against their floors]({chart})", ""]
    return "\n".join(lines)


def _chart(results: dict, path: Path) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = results["sizes"]
    chunks = [s["corpus"]["chunks"] for s in sizes]
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(chunks, [s["retrieval"]["total_ms"]["p50"] for s in sizes], "o-", label="hybrid retrieval p50")
    left.plot(chunks, [s["retrieval"]["floor_ms"]["p50"] for s in sizes], "s--", label="floor: embed + Chroma query")
    left.set(xscale="log", xlabel="chunks", ylabel="ms", title="Retrieval")
    left.legend()
    right.plot(chunks, [s["ingest"]["seconds"] for s in sizes], "o-", label="assistant ingest")
    right.plot(chunks, [s["ingest"]["floor_seconds"] for s in sizes], "s--", label="floor: embed + Chroma add")
    right.set(xscale="log", yscale="log", xlabel="chunks", ylabel="s", title="Ingestion")
    right.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path.name


def write_report(results: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    chart = _chart(results, out / "bench.png") if results["sizes"] else ""
    (out / "bench.md").write_text(_markdown(results, chart), encoding="utf-8")
