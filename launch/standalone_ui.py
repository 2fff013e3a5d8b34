"""The chat UI on its own (`assistant ui`): Gradio's own server, no HTTP API beside it."""

from __future__ import annotations

from assistant.server.deps import key_matches
from assistant.service import AnswerService
from ui.app import CSS, build_ui, example_questions

__all__ = ["launch_ui"]


def launch_ui(service: AnswerService, key: str, host: str, port: int, *, quiet: bool = False) -> None:
    """Serve the UI until Ctrl-C. With a key, Gradio's login page guards it: any user name,
    the key as the password (`assistant serve`'s /ui takes the Bearer header too)."""
    blocks = build_ui(lambda: (service, ""), example_questions(service.documents()))
    auth = (lambda _user, password: key_matches(password, key)) if key else None
    blocks.launch(
        server_name=host,
        server_port=port,
        css=CSS,
        show_error=False,
        quiet=quiet,
        auth=auth,
        auth_message="Any user name; the password is the server's ASSISTANT_API_KEY.",
    )
