"""An app per test with the service the test chooses, over the fake-embeddings index: these
tests are of the HTTP layer, so they load no model (the real ones run in test_real_server.py,
test_hostile_inputs.py and test_faults.py against `assistant serve`)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from assistant.server import create_app
from assistant.settings import Settings
from tests.fake_index import make_service, retriever  # noqa: F401  (fixtures: the fake-embeddings index)


@pytest.fixture
def make_client(make_service, fake_index_settings):  # noqa: F811  (the fixture imported above)
    clients: list[TestClient] = []

    def build(llm=None, service=None, **settings_overrides) -> TestClient:
        settings = Settings(
            _env_file=None,
            data_dir=fake_index_settings.data_dir,
            corpus_dir=fake_index_settings.corpus_dir,
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
