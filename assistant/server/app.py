"""The FastAPI application of the API: thin routers over one AnswerService loaded in the lifespan.

The web UI is mounted beside it by ``launch.web``, above this package.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from assistant.server.errors import install_error_handlers
from assistant.server.middleware import BodySizeLimitMiddleware, RequestLogMiddleware
from assistant.server.routers import ask, chat, health, sources
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
    state = AssistantState(settings, service_factory)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        logging.getLogger("assistant").setLevel(logging.INFO)
        state.start()  # models load in the background; /readyz tells when they are in
        yield

    app = FastAPI(
        title="Career Q&A assistant",
        summary="Answers career questions from the articles it has read, with numbered citations.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.assistant = state
    install_error_handlers(app)
    app.add_middleware(BodySizeLimitMiddleware, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(RequestLogMiddleware)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )
    for router in (health.router, ask.router, chat.router, sources.router):
        app.include_router(router)
    return app
