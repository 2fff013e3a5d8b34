"""The web app `assistant serve` runs: the HTTP API with the Gradio chat mounted at /ui.

It sits above both: the UI displays what the API's service says, in the same process,
sharing the loaded models.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI

from assistant.gaps import GapReport, build_gap_report
from assistant.server import create_app
from assistant.server.state import AssistantState
from assistant.settings import Settings

__all__ = ["UI_PATH", "create_web_app", "gap_report"]

UI_PATH = "/ui"


def create_web_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = create_app(settings)
    return _mount_ui(app, app.state.assistant)


def _mount_ui(app: FastAPI, state: AssistantState) -> FastAPI:
    """The Gradio chat at /ui, in this process: it shares the loaded service.

    With an API key set, the UI is behind it too (ui/auth.py): a login page for people,
    the Bearer header for scripts; without one it stays open, like the API."""
    import gradio as gr
    from starlette.middleware import Middleware

    from assistant.composition import build_store
    from ui.app import CSS, DEFAULT_EXAMPLES, build_ui, example_questions
    from ui.auth import KeyGate, Sessions, gradio_user, login_routes
    from ui.queue_guard import QueueGuard

    try:  # the example questions come from the index's metadata: no model needed
        examples = example_questions(build_store(state.settings).question_chunks())
    except Exception:  # no index yet: the chat says so; the examples are generic
        examples = DEFAULT_EXAMPLES
    key = state.settings.api_key.get_secret_value()
    blocks = build_ui(
        lambda: (state.service, state.reason), examples, feedback=state.feedback, gaps=gap_report(state),
        logout="logout" if key else None,  # relative to the page at <ui>/: proxies' prefixes kept
    )
    # Queue requests Gradio would fail on get a 4xx first (inside the key gate, when there is one).
    guard = Middleware(QueueGuard, blocks=blocks, max_body_bytes=state.settings.max_body_bytes)
    if not key:
        return gr.mount_gradio_app(
            app, blocks, path=UI_PATH, css=CSS, show_error=False, app_kwargs={"middleware": [guard]}
        )
    sessions, attempts = Sessions(key), state.key_attempts
    app.include_router(login_routes(key, UI_PATH, sessions, attempts))  # before the mount, which would take its paths
    gate = Middleware(KeyGate, key=key, sessions=sessions, attempts=attempts)
    return gr.mount_gradio_app(
        app, blocks, path=UI_PATH, css=CSS, show_error=False,
        app_kwargs={"middleware": [gate, guard]}, auth_dependency=gradio_user(key, sessions),
    )


def gap_report(state: AssistantState) -> Callable[[], GapReport]:
    """The "What readers miss" tab's report: the questions feedback keeps, grouped by topic
    with the loaded service's embedding model, closest sections from its index."""

    def report() -> GapReport:
        service = state.service
        if service is None:
            raise RuntimeError("the assistant is not ready")  # the tab says the report could not be built
        return build_gap_report(state.feedback.gap_questions(), service)

    return report
