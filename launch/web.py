"""The web app `assistant serve` runs: the HTTP API with the Gradio chat mounted at /ui.

It sits above both: the UI displays what the API's service says, in the same process,
sharing the loaded models.
"""

from __future__ import annotations

from fastapi import FastAPI

from assistant.server import create_app
from assistant.server.state import AssistantState
from assistant.settings import Settings

__all__ = ["create_web_app"]


def create_web_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = create_app(settings)
    return _mount_ui(app, app.state.assistant)


def _mount_ui(app: FastAPI, state: AssistantState) -> FastAPI:
    """The Gradio chat at /ui, in this process: it shares the loaded service."""
    import gradio as gr

    from assistant.composition import build_store
    from ui.app import CSS, DEFAULT_EXAMPLES, build_ui, example_questions

    try:  # the example questions come from the index's metadata: no model needed
        examples = example_questions(build_store(state.settings).documents())
    except Exception:  # no index yet: the chat says so; the examples are generic
        examples = DEFAULT_EXAMPLES
    blocks = build_ui(lambda: (state.service, state.reason), examples)
    return gr.mount_gradio_app(app, blocks, path="/ui", css=CSS, show_error=False)
