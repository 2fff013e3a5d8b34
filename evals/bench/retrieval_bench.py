"""Retrieval at one size: the hybrid retriever's latency and parts, beside embed + a bare Chroma query.

Every question is asked once, so no query-vector cache helps it. The parts are timed by
calling them again on their own (the embedding model and BM25 keep no cache), and what is
left of the total is dense search, fusion and scoring. The floor is the least any dense
retriever over this store pays: the question embedded, then Chroma's own query.
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.retrieval import HybridRetriever
from evals.bench.timing import spread, timed

__all__ = ["bench_retrieval"]


def bench_retrieval(retriever: HybridRetriever, collection, questions: Sequence[str], top_k: int) -> dict:
    """``collection``: the chromadb collection the retriever's snapshot was read from."""
    embeddings = retriever.store.embeddings
    embeddings.embed_query("warm up the model")  # its load is start-up, not retrieval
    collection.query(query_embeddings=[embeddings.embed_query("warm up")], n_results=1)
    all_ids = list(retriever.documents)
    totals, embeds, keywords, floors, recalls = [], [], [], [], []
    for question in questions:
        _, total = timed(lambda q=question: retriever.retrieve(q, top_k))
        vector, embed = timed(lambda q=question: embeddings.embed_query(q))
        _, keyword = timed(lambda q=question: retriever.keyword.invoke(q))
        found, query = timed(
            lambda v=vector: collection.query(query_embeddings=[v], n_results=retriever.fetch_k, include=[])
        )
        totals.append(total)
        embeds.append(embed)
        keywords.append(keyword)
        floors.append(embed + query)
        # How many of the exact top fetch_k Chroma's approximate (HNSW) search finds too.
        scores = retriever.similarity(question, all_ids)
        exact = set(sorted(scores, key=scores.__getitem__, reverse=True)[: retriever.fetch_k])
        recalls.append(len(exact & set(found["ids"][0])) / max(len(exact), 1))
    rest = [max(t - e - k, 0.0) for t, e, k in zip(totals, embeds, keywords, strict=True)]
    result = {
        "questions": len(questions),
        "total_ms": spread(totals),
        "embed_ms": spread(embeds),
        "bm25_ms": spread(keywords),
        "dense_fusion_ms": spread(rest),
        "floor_ms": spread(floors),
        "chroma_hnsw_recall": round(sum(recalls) / max(len(recalls), 1), 3),
    }
    result["ratio_p50"] = round(result["total_ms"]["p50"] / max(result["floor_ms"]["p50"], 1e-9), 2)
    return result
