"""Schemathesis against the app's own OpenAPI schema, valid and invalid requests alike:
no 5xx, and every response as documented."""

from __future__ import annotations

import itertools

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from assistant.server import create_app
from assistant.settings import Settings

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def app(make_service, index_settings):
    service = make_service()  # extractive: the HTTP layer is under test, not the LLM
    application = create_app(
        Settings(_env_file=None, data_dir=index_settings.data_dir, llm_backend="extractive"),
        service_factory=lambda _: service,
    )
    application.state.assistant.start()
    application.state.assistant.wait(60)
    return application


def test_no_server_errors_and_documented_responses(app):
    # Driven by hand rather than through schemathesis' pytest plugin, whose fixture
    # integration does not run under pytest 9.
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/v1/ask", "/v1/ask/stream", "/v1/chat/completions", "/v1/sources"}
    for operation, mode in itertools.product(operations, [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]):
        if mode is GenerationMode.NEGATIVE and operation.method.upper() == "GET":
            continue  # nothing to get wrong in a request without parameters or body

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case):
            response = case.call()
            assert response.status_code < 500, f"{case.method} {case.path} -> {response.status_code}: {response.text[:300]}"
            case.validate_response(response, checks=[response_schema_conformance])

        check()
