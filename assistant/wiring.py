"""Build the answer service from the settings: the one place that knows every part."""

from __future__ import annotations

from assistant.gate import GenerationGate
from assistant.llm import backend_label, build_chat_model
from assistant.retrieval import HybridRetriever
from assistant.service import AnswerService
from assistant.settings import Settings
from ingest.wiring import build_store

__all__ = ["build_service"]


def build_service(settings: Settings) -> AnswerService:
    """Loads the index, the embedding model and the LLM: call once per process."""
    retriever = HybridRetriever(build_store(settings))
    service = AnswerService(
        retriever,
        build_chat_model(settings),
        backend=backend_label(settings),
        top_k=settings.top_k,
        abstain_below=settings.abstain_below,
        llm_timeout_s=settings.llm_timeout_s,
        gate=GenerationGate(max_waiting=settings.queue_size, wait_timeout_s=settings.queue_timeout_s),
    )
    service.warm_up()
    return service
