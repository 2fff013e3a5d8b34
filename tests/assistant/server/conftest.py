"""An app per test over the session index, with the service the test chooses."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from assistant.server import create_app
from assistant.settings import Settings


@pytest.fixture
def make_client(make_service, index_settings):
    clients: list[TestClient] = []

    def build(llm=None, service=None, **settings_overrides) -> TestClient:
        settings = Settings(
            _env_file=None,
            data_dir=index_settings.data_dir,
            corpus_dir=index_settings.corpus_dir,
            **settings_overrides,
        )
        built = service or make_service(llm)
        app = create_app(settings, service_factory=lambda _: built)
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        app.state.assistant.wait(30)
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client) -> TestClient:
    return make_client()
