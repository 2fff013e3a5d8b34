"""The FastAPI application: thin routers over one AnswerService loaded in the lifespan."""

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

__all__ = ["UI_PATH", "create_app"]

UI_PATH = "/ui"


def _default_factory(settings: Settings) -> AnswerService:
    from assistant.wiring import build_service

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
    return _mount_ui(app, state)


def _mount_ui(app: FastAPI, state: AssistantState) -> FastAPI:
    """The Gradio chat at /ui, in this process: it shares the loaded service.

    With an API key set, the UI is behind it too (ui/auth.py): a login page for people,
    the Bearer header for scripts; without one it stays open, like the API."""
    import gradio as gr
    from starlette.middleware import Middleware

    from ui.app import CSS, DEFAULT_EXAMPLES, build_ui, example_questions
    from ui.auth import KeyGate, gradio_user, login_routes

    try:  # the example questions come from the index's metadata: no model needed
        from ingest.wiring import build_store

        examples = example_questions(build_store(state.settings).documents())
    except Exception:  # no index yet: the chat says so; the examples are generic
        examples = DEFAULT_EXAMPLES
    blocks = build_ui(lambda: (state.service, state.reason), examples)
    key = state.settings.api_key.get_secret_value()
    if not key:
        return gr.mount_gradio_app(app, blocks, path=UI_PATH, css=CSS, show_error=False)
    app.include_router(login_routes(key, UI_PATH))  # before the mount, which would take its paths
    return gr.mount_gradio_app(
        app, blocks, path=UI_PATH, css=CSS, show_error=False,
        app_kwargs={"middleware": [Middleware(KeyGate, key=key)]}, auth_dependency=gradio_user(key),
    )
