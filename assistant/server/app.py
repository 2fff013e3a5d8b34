"""The FastAPI application of the API: thin routers over one AnswerService loaded in the lifespan.

The web UI is mounted beside it by ``launch.web``, above this package.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from assistant.server.docs import install_docs
from assistant.server.errors import install_error_handlers
from assistant.server.http_protocol import AbsoluteFormMiddleware
from assistant.server.logs import QuestionNoting
from assistant.server.metrics import AppMetrics, metrics_router
from assistant.server.middleware import BodySizeLimitMiddleware, RequestLogMiddleware
from assistant.server.redirects import RelativeRedirectMiddleware
from assistant.server.routers import ask, chat, feedback, gaps, health, sources
from assistant.server.state import AssistantState
from assistant.service import AnswerService
from assistant.settings import Settings

__all__ = ["create_app"]


def _default_factory(settings: Settings) -> AnswerService:
    from assistant.composition import build_service

    return build_service(settings)


def create_app(
    settings: Settings | None = None,
    service_factory: Callable[[Settings], AnswerService] = _default_factory,
) -> FastAPI:
    settings = settings or Settings()
    state: AssistantState
    metrics = AppMetrics(queue_depth=lambda: state.service.gate.admitted if state.service is not None else 0)

    def observed_service(settings: Settings) -> AnswerService:
        service = service_factory(settings)
        # Outcomes, the guard's verdicts and the question are known only on the answer path.
        service.observer = QuestionNoting(metrics)
        return service

    state = AssistantState(settings, observed_service)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        logging.getLogger("assistant").setLevel(logging.INFO)
        state.start()  # models load in the background; /readyz tells when they are in
        yield
        state.stop()

    app = FastAPI(
        title="Career Q&A assistant",
        summary="Answers career questions from the articles it has read, with numbered citations.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # FastAPI's page loads from a CDN: ours (install_docs) from installed files
        redoc_url=None,  # ReDoc fetches its logo from a CDN even when served locally
    )
    app.state.assistant = state
    app.state.metrics = metrics
    install_error_handlers(app)
    install_docs(app)
    app.add_middleware(BodySizeLimitMiddleware, max_body_bytes=settings.max_body_bytes)
    # Logs each request and reports it to the metrics: every answer, errors too, to its last byte.
    app.add_middleware(RequestLogMiddleware, log_questions=settings.log_questions, observer=metrics)
    app.add_middleware(RelativeRedirectMiddleware)
    # Always present, even with no origin allowed: a mounted Gradio app (the UI at /ui) adds
    # its own CORS unless its parent app has Starlette's CORSMiddleware, and Gradio's allows
    # any localhost origin, with credentials. So /ui follows ASSISTANT_CORS_ORIGINS like /v1.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type"],
    )
    app.add_middleware(AbsoluteFormMiddleware)  # outermost: every layer sees the path
    routers = (health.router, ask.router, chat.router, sources.router, feedback.router, gaps.router, metrics_router())
    for router in routers:
        app.include_router(router)
    return app
