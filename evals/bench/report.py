"""bench.json (every figure), bench.md (the tables) and bench.png (growth with size)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import reduce
from pathlib import Path
from typing import Any

__all__ = ["SECTIONS", "write_report"]

# The sections every size holds; the smoke test checks each is there with numbers.
SECTIONS = ("corpus", "ingest", "retrieval", "answers", "peer", "server")

# The client counts the server bench drives (server_bench.py); its table shows one figure per count.
_CLIENTS = (1, 4, 16)


def _x(value: float) -> str:
    """A ratio to its floor, as 1.06x: every ratio in the report reads the same way."""
    return f"{value:.2f}x"


def _n(value: float) -> str:
    """A count or size: thousands grouped and no decimals once past 100, where they would only be noise."""
    return f"{value:,.0f}" if value >= 100 else f"{value:g}"


def _decimals(places: int) -> Callable[[float], str]:
    """A fixed-point format: each column keeps the precision its figure is measured to."""
    return lambda value: f"{value:.{places}f}"


_whole, _tenths, _hundredths = _decimals(0), _decimals(1), _decimals(2)


def _percent(share: float) -> str:
    """A share of another figure (the re-run of the first ingest), to a tenth of a percent."""
    return f"{share:.1%}"


def _at(row: dict, path: str) -> Any:
    """The value at a dotted path such as "ingest.seconds": columns name figures as bench.json nests them."""
    return reduce(lambda part, key: part[key], path.split("."), row)


@dataclass(frozen=True)
class Column:
    """One column of a table: its header, and how one row's cell is written."""

    header: str
    cell: Callable[[dict], str]


def _figure(header: str, path: str, show: Callable[[Any], str] = str) -> Column:
    """A column showing one figure of the row, formatted: most columns are just that."""
    return Column(header, lambda row: show(_at(row, path)))


def _out_of(header: str, count: str, total: str) -> Column:
    """A count over its total (39/44): a share alone would hide how many questions there were."""
    return Column(header, lambda row: f"{_at(row, count)}/{_at(row, total)}")


def _one_row(size: dict) -> list[dict]:
    """Most tables have one row per size, read straight from that size's results."""
    return [size]


@dataclass(frozen=True)
class Section:
    """A heading of bench.md, the note saying what its table measures and against which floor, and the table.

    ``rows`` turns one size's results into the rows its columns read.
    """

    title: str
    note: str
    columns: tuple[Column, ...]
    rows: Callable[[dict], list[dict]] = _one_row


# Every table starts with the size it was measured at.
_CHUNKS = _figure("chunks", "corpus.chunks", _n)


def _ingest_floor(size: dict) -> str:
    """The ingest floor with its two parts, so a slow floor shows which part is slow."""
    ingest = size["ingest"]
    return f"{ingest['floor_seconds']:.1f} ({ingest['floor_embed_seconds']:.1f} + {ingest['floor_add_seconds']:.1f})"


def _systems(size: dict) -> list[dict]:
    """The quality rows of one size: the assistant, then the peer chain, scored by the same code."""
    return [
        {"corpus": size["corpus"], "system": system, "quality": size[part]["quality"]}
        for system, part in (("assistant", "answers"), ("peer chain", "peer"))
    ]


def _per_second(kind: str) -> Callable[[dict], str]:
    """Requests per second at every client count in one cell, so ask and healthz read side by side."""
    return lambda size: " · ".join(f"{size['server'][f'{kind}_{c}']['per_s']:g}" for c in _CLIENTS)


def _ask_errors(size: dict) -> str:
    """Failed asks over all client counts: any is worth seeing here; bench.json says at which count."""
    return str(sum(size["server"][f"ask_{c}"]["errors"] for c in _CLIENTS))


# bench.md's sections, in order (SECTIONS above is what bench.json holds per size).
_TABLES = (
    Section(
        "Ingestion",
        "Floor: the same chunk texts embedded by sentence-transformers alone plus Chroma's add (own process).",
        (
            _CHUNKS,
            _figure("files", "corpus.files", _n),
            _figure("ingest s", "ingest.seconds", _tenths),
            _figure("chunks/s", "ingest.chunks_per_s", _tenths),
            _figure("peak RSS MB", "ingest.peak_rss_mb", _n),
            Column("floor s (embed + add)", _ingest_floor),
            _figure("ratio", "ingest.ratio", _x),
            _figure("floor peak RSS MB", "ingest.floor_peak_rss_mb", _n),
            _figure("unchanged re-run s", "ingest.rerun_seconds", _hundredths),
            _figure("re-run writes", "ingest.rerun_writes"),
            _figure("re-run / first", "ingest.rerun_share", _percent),
        ),
    ),
    Section(
        "Retrieval",
        (
            "Hybrid retrieval (top_k passages) per question, each question asked once; floor: the question embedded "
            "plus a bare Chroma query. Parts timed on their own; dense + fusion is what is left of the total. "
            "HNSW recall: share of the exact dense top 12 that Chroma's approximate search also returns."
        ),
        (
            _CHUNKS,
            _figure("p50 ms", "retrieval.total_ms.p50", _tenths),
            _figure("p95 ms", "retrieval.total_ms.p95", _tenths),
            _figure("embed p50", "retrieval.embed_ms.p50", _tenths),
            _figure("BM25 p50", "retrieval.bm25_ms.p50", _tenths),
            _figure("dense + fusion p50", "retrieval.dense_fusion_ms.p50", _tenths),
            _figure("floor p50 ms", "retrieval.floor_ms.p50", _tenths),
            _figure("floor p95 ms", "retrieval.floor_ms.p95", _tenths),
            _figure("ratio p50", "retrieval.ratio_p50", _x),
            _figure("Chroma HNSW recall@12", "retrieval.chroma_hnsw_recall", _hundredths),
        ),
    ),
    Section(
        "Quality: the real article's questions and off-topic ones, at each size",
        (
            "Scored by the same code for both systems (evals.metrics): top citation right = the first citation "
            "lies in an expected section; hit@1 = the first retrieved passage does; off-topic abstained = no answer "
            "given (the peer has no abstention rule: it abstains only by saying the article does not cover it)."
        ),
        (
            _CHUNKS,
            _figure("system", "system"),
            _out_of("top citation right", "quality.top_citation_right", "quality.in_scope"),
            _out_of("hit@1", "quality.hit_at_1", "quality.in_scope"),
            _out_of("answered", "quality.answered_in_scope", "quality.in_scope"),
            _figure("key-point recall", "quality.key_point_recall", _hundredths),
            _out_of("off-topic abstained", "quality.off_topic_abstained", "quality.off_topic"),
        ),
        rows=_systems,
    ),
    Section(
        "Answers (embedded backend)",
        (
            "Over the answers that asked the model. Floor: the service's own model (llama-cpp-python behind "
            "ChatLlama) streamed straight on the same prompt, to the same number of tokens, right after each "
            "answer. The peer chain's latency is over all its questions (it always asks the model)."
        ),
        (
            _CHUNKS,
            _figure("answers", "answers.latency.answers"),
            _figure("first text p50 ms", "answers.latency.first_text_ms.p50", _whole),
            _figure("full p50 ms", "answers.latency.full_ms.p50", _whole),
            _figure("full p95 ms", "answers.latency.full_ms.p95", _whole),
            _figure("LLM turn p50 ms", "answers.latency.llm_turn_ms.p50", _whole),
            _figure("floor first token p50", "answers.latency.floor_first_token_ms.p50", _whole),
            _figure("floor full p50 ms", "answers.latency.floor_full_ms.p50", _whole),
            _figure("ratio full p50", "answers.latency.ratio_full_p50", _x),
            _figure("peer first text p50", "peer.latency.first_text_ms.p50", _whole),
            _figure("peer full p50 ms", "peer.latency.full_ms.p50", _whole),
            _figure("abstention p50 ms", "answers.latency.abstention_ms.p50", _whole),
        ),
    ),
    Section(
        "Server (`assistant serve`, extractive backend, loopback)",
        (
            "Cold start: process start to /readyz 200, with the index snapshot that `assistant ingest` and the "
            "first start save, and without it; floor: a process that loads only the embedding model and "
            "the stored chunks. Throughput: POST /v1/ask, distinct questions, beside GET /healthz (the HTTP stack "
            "alone) at the same clients."
        ),
        (
            _CHUNKS,
            _figure("cold start s", "server.cold_start_s", _tenths),
            _figure("without saved snapshot s", "server.cold_start_unsaved_s", _tenths),
            _figure("floor s", "server.floor_start_s", _tenths),
            _figure("ratio", "server.start_ratio", _x),
            _figure("RSS after load MB", "server.rss_after_load_mb", _n),
            _figure("RSS after N requests MB", "server.rss_after_200_mb", _n),
            _figure("N", "server.requests_before_rss"),
            _figure("floor RSS MB", "server.floor_rss_mb", _n),
            Column("ask/s 1 · 4 · 16", _per_second("ask")),
            Column("healthz/s 1 · 4 · 16", _per_second("healthz")),
            Column("errors", _ask_errors),
        ),
    ),
)


def _run_line(meta: dict) -> str:
    """When, where and with which backends the run was made: figures from other machines do not compare."""
    machine = meta["machine"]
    return (
        f"Run {meta['started']} to {meta.get('finished', '?')} UTC, {'quick' if meta['quick'] else 'full'}; "
        f"{machine['cpus']} cores, {machine['memory_gib']} GiB, Python {machine['python']}, {machine['platform']}. "
        f"Answers: {meta['answer_backend']} backend; server: {meta['server_backend']} backend. "
        "Every figure stands beside its floor from the same run; the ratio is figure / floor."
    )


def _markdown_row(cells: Sequence[str]) -> str:
    """One line of a markdown table."""
    return "| " + " | ".join(cells) + " |"


def _table(columns: Sequence[Column], rows: Sequence[dict]) -> list[str]:
    """A markdown table, then the blank line that ends it; with no rows, its header alone."""
    return [
        _markdown_row([column.header for column in columns]),
        "|" + "---|" * len(columns),
        *(_markdown_row([column.cell(row) for column in columns]) for row in rows),
        "",
    ]


def _section(section: Section, sizes: Sequence[dict]) -> list[str]:
    """A section of bench.md: its heading, its note and its table over every size measured so far."""
    rows = [row for size in sizes for row in section.rows(size)]
    return [f"## {section.title}", "", section.note, "", *_table(section.columns, rows)]


def _markdown(results: dict, chart: str) -> str:
    """bench.md: the run, each section's table, then the chart if one was drawn."""
    lines = ["# Bench", "", _run_line(results["meta"]), ""]
    for section in _TABLES:
        lines += _section(section, results["sizes"])
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
