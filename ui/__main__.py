"""Run the UI on its own: python -m ui [--port 7860] (`assistant serve` mounts it at /ui too)."""

from __future__ import annotations

import argparse
import sys

from assistant.composition import build_service
from assistant.server.deps import key_matches
from assistant.server.exposure import exposure_warning
from assistant.settings import Settings
from ui.app import CSS, build_ui, example_questions


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m ui", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7860)
    args = parser.parse_args()
    settings = Settings()
    key = settings.api_key.get_secret_value()
    warning = exposure_warning(args.host, bool(key))
    if warning:
        print(warning, file=sys.stderr)
    service = build_service(settings)
    blocks = build_ui(lambda: (service, ""), example_questions(service.documents()))
    # On its own there is no HTTP API beside it, so Gradio's login page is enough: any user
    # name, the key as the password (assistant serve's /ui takes the Bearer header too).
    auth = (lambda _user, password: key_matches(password, key)) if key else None
    blocks.launch(
        server_name=args.host, server_port=args.port, css=CSS, show_error=False,
        auth=auth, auth_message="Any user name; the password is the server's ASSISTANT_API_KEY.",
    )


if __name__ == "__main__":
    main()
