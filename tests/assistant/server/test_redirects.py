"""Redirects carry a path, never the Host the client sent (assistant/server/redirects.py);
the real server's redirects are checked in tests/ui/test_auth.py."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.responses import RedirectResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from assistant.server.redirects import RelativeRedirectMiddleware


def _client(location: str) -> TestClient:
    app = Starlette(routes=[Route("/go", lambda request: RedirectResponse(location, status_code=307))])
    app.add_middleware(RelativeRedirectMiddleware)
    return TestClient(app, base_url="http://evil.example")


@pytest.mark.parametrize(
    ("location", "rewritten"),
    [
        ("http://evil.example/v1/sources?x=1", "/v1/sources?x=1"),
        ("http://EVIL.example//evil.example/x", "/evil.example/x"),  # never a scheme-relative //host
        ("http://evil.example", "/"),
        ("https://docs.example.org/page", "https://docs.example.org/page"),  # another host: left alone
        ("/already/relative", "/already/relative"),
    ],
)
def test_a_location_on_the_requests_own_host_becomes_a_path(location, rewritten):
    response = _client(location).get("/go", follow_redirects=False)
    assert response.headers["location"] == rewritten
