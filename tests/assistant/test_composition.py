"""What the composition root sets up for the whole process."""

from __future__ import annotations

import pytest
from threadpoolctl import threadpool_limits

from assistant.blas import blas_threads
from assistant.composition import build_retriever
from tests.fakes import HashingEmbeddings

pytestmark = pytest.mark.integration


def test_building_the_retriever_holds_numpy_s_blas_to_one_thread(fake_index_settings):
    """Its dense search would otherwise leave BLAS threads spinning beside the embedding and
    the LLM (assistant.blas)."""
    with threadpool_limits(limits=2, user_api="blas"):
        if set(blas_threads().values()) == {1}:
            pytest.skip("this machine's BLAS runs on one thread anyway")
        build_retriever(fake_index_settings, HashingEmbeddings())
        assert set(blas_threads().values()) == {1}
