"""Run the UI on its own: python -m ui [--port 7860] (`assistant serve` mounts it at /ui too)."""

from __future__ import annotations

import argparse

from assistant.composition import build_service
from assistant.settings import Settings
from ui.app import CSS, build_ui, example_questions


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m ui", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7860)
    args = parser.parse_args()
    service = build_service(Settings())
    blocks = build_ui(lambda: (service, ""), example_questions(service.documents()))
    blocks.launch(server_name=args.host, server_port=args.port, css=CSS, show_error=False)


if __name__ == "__main__":
    main()
