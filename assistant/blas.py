"""numpy's BLAS kept to one thread, in every process that answers.

Why: OpenBLAS (numpy's BLAS) runs a large enough product on a thread per core, and its
threads then busy-wait for a while before they sleep. The dense search is one such
product once the index is large (20,000 chunks x 384 dimensions), and the next thing an
answer does is embed (torch, on its own OpenMP threads) or decode (llama.cpp, on its own):
on 2 cores, the spinning threads took the cores they need. In the bench's retrieval loop at
20,006 chunks, embedding a question took 23 to 27 ms p50 (89 to 119 ms p95) in three runs
with numpy's BLAS on both cores, against 11 to 16 ms (14 to 33 ms) with one thread; the
search's product itself stays a few milliseconds on one.

threadpoolctl (already here: scikit-learn, under sentence-transformers, needs it) sets the
loaded BLAS libraries' thread count; torch's OpenMP pool and llama.cpp's are not BLAS and
keep every core.
"""

from __future__ import annotations

from threadpoolctl import threadpool_info, threadpool_limits

__all__ = ["blas_threads", "single_threaded_blas"]


def single_threaded_blas() -> None:
    """One thread, from now on, for every BLAS library this process has loaded (numpy's,
    which the dense search uses, is loaded by then; one loaded later keeps its default)."""
    threadpool_limits(limits=1, user_api="blas")


def blas_threads() -> dict[str, int]:
    """Each loaded BLAS library's thread count, by file (for checks and reports)."""
    return {pool["filepath"]: pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}
