"""The HTTP service: `assistant serve` runs create_app() under uvicorn."""

from assistant.server.app import create_app

__all__ = ["create_app"]
