"""numpy's BLAS on one thread (assistant.blas)."""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from assistant.blas import blas_threads, single_threaded_blas


def test_every_loaded_blas_is_left_on_one_thread():
    with threadpool_limits(limits=2, user_api="blas"):  # as a 2-core machine starts; restored after
        assert blas_threads(), "numpy's BLAS is loaded, so threadpoolctl must see it"
        if set(blas_threads().values()) == {1}:
            pytest.skip("this machine's BLAS runs on one thread anyway")
        single_threaded_blas()
        assert set(blas_threads().values()) == {1}
        # numpy still computes, now on the calling thread.
        matrix = np.arange(12, dtype=np.float32).reshape(4, 3)
        assert (matrix @ np.ones(3, dtype=np.float32)).tolist() == [3.0, 12.0, 21.0, 30.0]
