"""The chat UI on its own (`assistant ui`): Gradio's own server, no HTTP API beside it."""

from __future__ import annotations

from assistant.server.deps import key_matches
from assistant.server.state import AssistantState
from assistant.service import AnswerService
from assistant.settings import Settings
from launch.web import gap_report
from ui.app import CSS, build_ui, example_questions

__all__ = ["launch_ui"]


def launch_ui(
    service: AnswerService, settings: Settings, host: str, port: int, *, quiet: bool = False
) -> None:
    """Serve the UI until Ctrl-C. With a key, Gradio's login page guards it: any user name,
    the key as the password (`assistant serve`'s /ui takes the Bearer header too). Like the
    server, it follows the index: a new ingest is swapped in within seconds."""
    state = AssistantState(settings, lambda _settings: service)
    state.start()
    key = settings.api_key.get_secret_value()
    blocks = build_ui(
        lambda: (state.service, state.reason), example_questions(service.documents()), feedback=state.feedback,
        gaps=gap_report(state), logout="logout" if key else None,  # Gradio's own /logout
    )
    auth = (lambda _user, password: key_matches(password, key)) if key else None
    blocks.launch(
        server_name=host,
        server_port=port,
        css=CSS,
        show_error=False,
        quiet=quiet,
        auth=auth,
        auth_message="Enter any user name, and the access key you were given as the password.",
    )
