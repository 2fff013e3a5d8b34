"""The web UI behind the API key, against the real `assistant serve` (live_server sets the key)."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from starlette.routing import Mount

from assistant.server.exposure import exposure_warning
from tests.conftest import CORPUS, LIVE_API_KEY
from ui.auth import COOKIE

pytestmark = pytest.mark.integration

WITH_KEY = {"Authorization": f"Bearer {LIVE_API_KEY}"}
WRONG_KEYS = [{}, {"Authorization": "Bearer wrong"}, {"Authorization": LIVE_API_KEY}, {"Cookie": f"{COOKIE}=forged"}]
ASK = {"data": ["How do I make banana bread?"]}
# What answers without the key on purpose: health checks, the API's docs, the login page.
OPEN = {"/healthz", "/readyz", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json", "/ui/login", "/ui/logout"}


def refused(response: httpx.Response) -> bool:
    """A 401 in the API's error shape, or a browser sent to the login page: never the app."""
    if response.status_code == 303:
        return response.headers["location"] == "/ui/login"
    return response.status_code == 401 and response.json()["error"]["type"] == "unauthorized"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/ui/"),
        ("GET", "/ui/config"),
        ("GET", "/ui/gradio_api/info"),
        ("POST", "/ui/gradio_api/call/ask"),
        ("GET", "/ui/gradio_api/call/ask/some-event"),
        ("POST", "/ui/gradio_api/queue/join"),
        ("GET", "/ui/gradio_api/queue/data?session_hash=abc"),
        ("GET", "/ui/gradio_api/heartbeat/abc"),
        ("POST", "/ui/gradio_api/cancel"),
        ("GET", "/ui/theme.css"),
    ],
)
def test_the_ui_and_its_api_refuse_without_the_key(live_server, method, path):
    base, _ = live_server
    with httpx.Client(base_url=base, timeout=30) as client:
        for headers in WRONG_KEYS:
            response = client.request(method, path, headers=headers, json=ASK if method == "POST" else None)
            assert response.status_code == 401, (headers, response.status_code, response.text[:200])
            assert response.json()["error"]["type"] == "unauthorized"
            assert response.headers["www-authenticate"] == "Bearer"


def test_a_browser_without_the_key_is_sent_to_the_login_page(live_server):
    base, _ = live_server
    with httpx.Client(base_url=base, timeout=30) as client:
        opened = client.get("/ui/", headers={"Accept": "text/html,application/xhtml+xml"})
        assert opened.status_code == 303 and opened.headers["location"] == "/ui/login"
        login = client.get("/ui/login")
        assert login.status_code == 200 and 'name="key"' in login.text and "gradio_config" not in login.text


def test_the_bearer_key_opens_the_ui_and_its_api(live_server):
    base, _ = live_server
    with httpx.Client(base_url=base, headers=WITH_KEY, timeout=120) as client:
        page = client.get("/ui/")
        assert page.status_code == 200 and "gradio_config" in page.text
        assert client.get("/ui/config").json()["title"] == "Career Q&A assistant"
        event = client.post("/ui/gradio_api/call/ask", json=ASK)
        assert event.status_code == 200, event.text
        result = client.get(f"/ui/gradio_api/call/ask/{event.json()['event_id']}").text
        assert "event: complete" in result, result[:500]
        (answer,) = json.loads(result.split("event: complete\ndata: ", 1)[1].splitlines()[0])
        assert answer["abstained"] is True


def test_logging_in_sets_a_cookie_that_opens_the_ui_until_logging_out(live_server):
    base, _ = live_server
    with httpx.Client(base_url=base, timeout=30) as client:
        wrong = client.post("/ui/login", data={"key": "not-the-key"})
        assert wrong.status_code == 401 and "That is not the key." in wrong.text
        assert COOKIE not in client.cookies
        right = client.post("/ui/login", data={"key": LIVE_API_KEY})
        assert right.status_code == 303 and right.headers["location"] == "/ui/"
        cookie = right.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/ui" in cookie
        assert LIVE_API_KEY not in cookie  # the cookie holds a token derived from the key
        assert client.get("/ui/config").status_code == 200
        assert client.get("/v1/sources").status_code == 401  # the UI's cookie is not the API's key
        client.get("/ui/logout")
        assert refused(client.get("/ui/config"))


def test_with_a_key_every_route_but_health_docs_and_login_refuses_without_it(live_server, tmp_path):
    """What makes `exposure_warning` true: with a key, nothing else answers without it.

    Lists every route of the app, the API's and the mounted Gradio app's (from their OpenAPI
    description, which holds them all with their methods), and calls each one on the real
    server without the key."""
    from fastapi.openapi.utils import get_openapi

    from assistant.settings import Settings
    from launch.web import create_web_app

    # Only to list the routes (the running server is the same code), so over an empty data folder.
    app = create_web_app(Settings(_env_file=None, data_dir=tmp_path / "data", corpus_dir=CORPUS, api_key=LIVE_API_KEY))
    (ui,) = [route for route in app.routes if isinstance(route, Mount) and route.path == "/ui"]
    calls = set()
    for prefix, routes in (("", app.routes), (ui.path, ui.routes)):
        for path, operations in get_openapi(title="routes", version="0", routes=routes)["paths"].items():
            calls |= {(method.upper(), prefix + re.sub(r"\{[^}]*\}", "x", path)) for method in operations}
    assert {("POST", "/v1/ask"), ("POST", "/ui/gradio_api/queue/join"), ("GET", "/ui/config")} <= calls
    base, _ = live_server
    with httpx.Client(base_url=base, timeout=30) as client:
        checked = 0
        for method, path in sorted(calls):
            if path in OPEN or method == "HEAD":
                continue
            response = client.request(method, path, json={} if method in ("POST", "PUT", "PATCH") else None)
            assert refused(response), f"{method} {path} answered {response.status_code} without the key"
            checked += 1
    assert checked > 60


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "assistant.example.org"])
def test_the_exposure_warning_fires_for_a_network_host_without_a_key(host):
    assert "WITHOUT an API key" in exposure_warning(host, has_api_key=False)
    assert "web UI" in exposure_warning(host, has_api_key=False)
    assert exposure_warning(host, has_api_key=True) == ""


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost"])
def test_no_exposure_warning_on_loopback(host):
    assert exposure_warning(host, has_api_key=False) == ""


def test_without_a_key_the_ui_stays_open(keyless_server):
    """Like the API: no key configured, no login (the default for 127.0.0.1)."""
    assert httpx.get(f"{keyless_server}/ui/config", timeout=30).status_code == 200
    assert httpx.get(f"{keyless_server}/v1/sources", timeout=30).status_code == 200
    assert httpx.get(f"{keyless_server}/ui/login", timeout=30).status_code != 200  # no login page of ours


def test_a_logged_out_cookie_stays_refused_even_when_sent_again(live_server):
    """Each login gets its own cookie value; logging out revokes it, so a copy kept (or
    stolen) before the logout opens nothing."""
    base, _ = live_server
    with httpx.Client(base_url=base, timeout=30) as first, httpx.Client(base_url=base, timeout=30) as second:
        first.post("/ui/login", data={"key": LIVE_API_KEY})
        second.post("/ui/login", data={"key": LIVE_API_KEY})
        kept = first.cookies[COOKIE]
        assert kept != second.cookies[COOKIE]
        first.get("/ui/logout")
        replayed = httpx.get(f"{base}/ui/config", cookies={COOKIE: kept}, timeout=30)
        assert refused(replayed)
        assert second.get("/ui/config").status_code == 200  # another login is untouched


@pytest.fixture
def web_client(tmp_path):
    """The whole web app in this process (API and UI), over an empty data folder: enough for
    the login, CORS and redirect logic, which need no index."""
    from fastapi.testclient import TestClient

    from assistant.settings import Settings
    from launch.web import create_web_app

    def build(**overrides) -> TestClient:
        settings = Settings(
            _env_file=None, data_dir=tmp_path / "data", corpus_dir=CORPUS, api_key=LIVE_API_KEY, **overrides
        )
        return TestClient(create_web_app(settings), raise_server_exceptions=False)

    return build


def test_wrong_logins_past_the_limit_get_429_and_the_right_key_waits_too(web_client):
    client = web_client(login_failures_per_minute=3)
    for _ in range(5):  # an empty form guesses nothing: it is not counted
        assert client.post("/ui/login", data={"key": ""}).status_code == 401
    for _ in range(3):
        assert client.post("/ui/login", data={"key": "guess"}).status_code == 401
    blocked = client.post("/ui/login", data={"key": LIVE_API_KEY})
    assert blocked.status_code == 429 and "Too many wrong keys" in blocked.text
    assert int(blocked.headers["retry-after"]) > 0
    assert COOKIE not in client.cookies
    # The same address's Bearer guesses on the UI are refused unchecked too.
    assert client.get("/ui/config", headers=WITH_KEY).status_code == 429


def test_the_ui_follows_the_cors_setting_like_the_api(live_server, web_client):
    """Gradio's own CORS allowed any localhost origin, with credentials; now no origin is
    allowed unless ASSISTANT_CORS_ORIGINS names it, on /ui as on /v1."""
    base, _ = live_server
    foreign = {**WITH_KEY, "Origin": "http://localhost:3000"}
    for path in ("/ui/config", "/v1/sources"):
        response = httpx.get(f"{base}{path}", headers=foreign, timeout=30)
        assert response.status_code == 200
        assert "access-control-allow-origin" not in response.headers, path
        assert "access-control-allow-credentials" not in response.headers, path
    preflight = {"Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST"}
    assert "access-control-allow-origin" not in httpx.options(f"{base}/ui/config", headers=preflight).headers
    allowed = web_client(cors_origins=["http://localhost:3000"])
    response = allowed.get("/ui/config", headers=foreign)
    assert response.headers["access-control-allow-origin"] == "http://localhost:3000"
    other = allowed.get("/ui/config", headers={**WITH_KEY, "Origin": "http://localhost:4000"})
    assert "access-control-allow-origin" not in other.headers


@pytest.mark.parametrize(
    ("path", "location"),
    [("/v1/sources/", "/v1/sources"), ("/ui", "/ui/")],
)
def test_redirects_never_send_the_client_to_the_host_it_claimed(live_server, path, location):
    base, _ = live_server
    url = httpx.URL(base).copy_with(raw_path=path.encode())
    response = httpx.get(url, headers={**WITH_KEY, "Host": "evil.example"}, timeout=30)
    assert response.is_redirect, response.status_code
    assert response.headers["location"] == location
