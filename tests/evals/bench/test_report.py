"""bench.md's tables, pinned: every header and every cell of a hand-made run.

Each figure below is distinct, so a column that reads the wrong field, or formats it
differently, changes a cell here. The numbers are made up; only their layout is checked.
"""

from __future__ import annotations

import copy
import json

from evals.bench.report import _markdown, write_report


def _spread(p50: float, p95: float = 0.0) -> dict:
    return {"p50": p50, "p95": p95}


def _size() -> dict:
    """One size's results, with the keys each bench writes (run.py, *_bench.py, peer_chain.py)."""
    return {
        "target": 1000,
        "corpus": {"chunks": 1004, "files": 90, "real_chunks": 11},
        "ingest": {
            "seconds": 20.24,
            "chunks": 1004,
            "chunks_per_s": 49.61,
            "peak_rss_mb": 705.3,
            "failed_files": 0,
            "floor_seconds": 19.2,
            "floor_embed_seconds": 14.04,
            "floor_add_seconds": 5.16,
            "floor_peak_rss_mb": 62.5,
            "ratio": 1.054,
            "rerun_seconds": 0.456,
            "rerun_writes": 0,
            "rerun_share": 0.0226,
        },
        "retrieval": {
            "total_ms": _spread(9.04, 12.3),
            "embed_ms": _spread(6.1),
            "bm25_ms": _spread(0.4),
            "dense_fusion_ms": _spread(2.5),
            "floor_ms": _spread(9.1, 11.7),
            "ratio_p50": 0.99,
            "chroma_hnsw_recall": 0.987,
        },
        "answers": {
            "latency": {
                "answers": 41,
                "first_text_ms": _spread(58.2),
                "full_ms": _spread(1649.4, 1980.0),
                "llm_turn_ms": _spread(1590.6),
                "floor_first_token_ms": _spread(101.0),
                "floor_full_ms": _spread(1556.0),
                "ratio_full_p50": 1.06,
                "abstention_ms": _spread(3.2),
            },
            "quality": {
                "top_citation_right": 16,
                "in_scope": 44,
                "hit_at_1": 18,
                "answered_in_scope": 43,
                "key_point_recall": 0.612,
                "off_topic_abstained": 47,
                "off_topic": 59,
            },
        },
        "peer": {
            "latency": {"answers": 103, "first_text_ms": _spread(150.0), "full_ms": _spread(1702.0)},
            "quality": {
                "top_citation_right": 18,
                "in_scope": 44,
                "hit_at_1": 40,
                "answered_in_scope": 44,
                "key_point_recall": 0.5,
                "off_topic_abstained": 2,
                "off_topic": 59,
            },
        },
        "server": {
            "backend": "extractive",
            "floor_start_s": 8.1,
            "floor_rss_mb": 610.0,
            "cold_start_unsaved_s": 11.4,
            "cold_start_s": 11.2,
            "start_ratio": 1.38,
            "rss_after_load_mb": 690.4,
            "rss_after_200_mb": 920.6,
            "requests_before_rss": 600,
            "ask_1": {"requests": 40, "errors": 0, "per_s": 20.5},
            "ask_4": {"requests": 40, "errors": 1, "per_s": 55.0},
            "ask_16": {"requests": 40, "errors": 2, "per_s": 61.2},
            "healthz_1": {"requests": 40, "errors": 0, "per_s": 900.0},
            "healthz_4": {"requests": 40, "errors": 0, "per_s": 2500.5},
            "healthz_16": {"requests": 40, "errors": 0, "per_s": 3100.0},
        },
        "seconds": 120.0,
    }


def _results(*sizes: dict) -> dict:
    return {
        "meta": {
            "started": "2025-01-02T03:04:05+00:00",
            "finished": "2025-01-02T05:06:07+00:00",
            "quick": False,
            "sizes": [s["target"] for s in sizes],
            "machine": {"cpus": 2, "memory_gib": 7.7, "python": "3.11.7", "platform": "Linux-x86_64", "processor": "x"},
            "answer_backend": "embedded",
            "server_backend": "extractive",
        },
        "sizes": list(sizes),
    }


def _cells(line: str) -> list[str]:
    return line[2:-2].split(" | ")


def _tables(markdown: str) -> dict[str, tuple[list[str], list[list[str]]]]:
    """Each section's title -> its table's header cells and rows of cells (the separator checked on the way)."""
    tables = {}
    for section in markdown.split("\n## ")[1:]:
        title, *lines = section.split("\n")
        head, separator, *rows = [line for line in lines if line.startswith("|")]
        assert separator == "|" + "---|" * len(_cells(head)), title
        tables[title] = (_cells(head), [_cells(row) for row in rows])
    return tables


INGESTION = (
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
    ["1,004", "90", "20.2", "49.6", "705", "19.2 (14.0 + 5.2)", "1.05x", "62.5", "0.46", "0", "2.3%"],
)
RETRIEVAL = (
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
    ["1,004", "9.0", "12.3", "6.1", "0.4", "2.5", "9.1", "11.7", "0.99x", "0.99"],
)
QUALITY_HEAD = [
    "chunks",
    "system",
    "top citation right",
    "hit@1",
    "answered",
    "key-point recall",
    "off-topic abstained",
]
ASSISTANT_QUALITY = ["1,004", "assistant", "16/44", "18/44", "43/44", "0.61", "47/59"]
PEER_QUALITY = ["1,004", "peer chain", "18/44", "40/44", "44/44", "0.50", "2/59"]
ANSWERS = (
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
    ["1,004", "41", "58", "1649", "1980", "1591", "101", "1556", "1.06x", "150", "1702", "3"],
)
SERVER = (
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
        "1,004",
        "11.2",
        "11.4",
        "8.1",
        "1.38x",
        "690",
        "921",
        "600",
        "610",
        "20.5 · 55 · 61.2",
        "900 · 2500.5 · 3100",
        "3",
    ],
)
TITLES = [
    "Ingestion",
    "Retrieval",
    "Quality: the real article's questions and off-topic ones, at each size",
    "Answers (embedded backend)",
    "Server (`assistant serve`, extractive backend, loopback)",
]


def test_every_table_has_its_headers_and_cells():
    tables = _tables(_markdown(_results(_size()), ""))
    assert list(tables) == TITLES
    ingestion, retrieval, quality, answers, server = tables.values()
    assert ingestion == (INGESTION[0], [INGESTION[1]])
    assert retrieval == (RETRIEVAL[0], [RETRIEVAL[1]])
    assert quality == (QUALITY_HEAD, [ASSISTANT_QUALITY, PEER_QUALITY])
    assert answers == (ANSWERS[0], [ANSWERS[1]])
    assert server == (SERVER[0], [SERVER[1]])


def test_rows_follow_the_sizes_in_order_and_quality_has_both_systems_per_size():
    small = copy.deepcopy(_size())
    small["corpus"]["chunks"] = 11  # below 100: shown as is, not grouped
    tables = _tables(_markdown(_results(small, _size()), ""))
    for title, (_head, rows) in tables.items():
        chunks = [row[0] for row in rows]
        per_size = 2 if title.startswith("Quality") else 1
        assert chunks == ["11"] * per_size + ["1,004"] * per_size, title
    assert [row[1] for row in tables[TITLES[2]][1]] == ["assistant", "peer chain"] * 2


def test_the_run_line_and_the_chart():
    markdown = _markdown(_results(_size()), "bench.png")
    assert markdown.startswith(
        "# Bench\n\nRun 2025-01-02T03:04:05+00:00 to 2025-01-02T05:06:07+00:00 UTC, full; 2 cores, 7.7 GiB, "
        "Python 3.11.7, Linux-x86_64. Answers: embedded backend; server: extractive backend. "
        "Every figure stands beside its floor from the same run; the ratio is figure / floor.\n\n## Ingestion\n"
    )
    assert markdown.endswith("\n\n![retrieval and ingestion against their floors](bench.png)\n")
    assert "![" not in _markdown(_results(_size()), "")


def test_a_run_not_yet_finished_says_so():
    results = _results(_size())
    results["meta"]["quick"] = True
    del results["meta"]["finished"]
    assert "to ? UTC, quick;" in _markdown(results, "")


def test_before_the_first_size_every_table_is_its_header_alone(tmp_path):
    write_report(_results(), tmp_path)  # no sizes: no chart, so no matplotlib
    tables = _tables((tmp_path / "bench.md").read_text(encoding="utf-8"))
    assert list(tables) == TITLES
    assert all(rows == [] for _head, rows in tables.values())
    assert json.loads((tmp_path / "bench.json").read_text(encoding="utf-8")) == _results()
    assert not (tmp_path / "bench.png").exists()
