"""The Gradio web UI: a chat that shows answers with their citations."""

from ui.app import CSS, build_ui, example_questions

__all__ = ["CSS", "build_ui", "example_questions"]
