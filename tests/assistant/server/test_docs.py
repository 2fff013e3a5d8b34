"""/docs and /favicon.ico (issue 27): served from installed files, so the page works with
no internet (and no /redoc, whose ReDoc fetches its logo from a CDN). In-process for what the HTML refers to; a real Chromium against a real
`assistant serve` for the page a person sees."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from assistant.server.app import create_app
from assistant.server.docs import ASSETS_PATH, FAVICON_SVG
from assistant.settings import Settings

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@pytest.fixture(scope="module")
def client():
    # No lifespan: the pages need no service loaded.
    app = create_app(Settings(_env_file=None), service_factory=lambda settings: None)
    return TestClient(app)


def referenced_urls(html: str) -> list[str]:
    """Every URL the page loads or links to: src=, href=, spec-url= and Swagger UI's `url: '...'`."""
    pattern = r"""(?:src|href|spec-url)=["']([^"']+)["']|url:\s*["']([^"']+)["']"""
    return [a or b for a, b in re.findall(pattern, html)]


@pytest.mark.parametrize("path", ["/docs"])
def test_the_docs_pages_refer_to_this_server_only(client, path):
    response = client.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    urls = referenced_urls(response.text)
    assert urls, response.text
    for url in urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc and url.startswith("/"), f"{path} loads {url} from elsewhere"
        assert client.get(url).status_code == 200, url  # the JS, the CSS, the favicon, /openapi.json
    assert "http://" not in response.text and "https://" not in response.text
    assert "fonts.googleapis" not in response.text


def test_the_assets_are_the_installed_packages(client):
    bundle = client.get(f"{ASSETS_PATH}/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and "SwaggerUIBundle" in bundle.text[:200_000]
    assert client.get(f"{ASSETS_PATH}/../../pyproject.toml").status_code == 404  # no way out of the folder


def test_the_favicon_is_a_small_svg(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    assert response.text == FAVICON_SVG and response.text.startswith("<svg")


def test_there_is_no_redoc(client):
    assert client.get("/redoc").status_code == 404


def test_the_docs_routes_stay_out_of_the_schema(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert not {"/docs", "/favicon.ico"} & set(paths)
    assert "/v1/ask" in paths


# -- in a real browser, against a real server ---------------------------------------------------
@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing in CI: .ci/run must `apt-get install chromium`", pytrace=False)
        pytest.skip("browser tests need Chromium: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.mark.integration
@pytest.mark.parametrize(
    "path,operation",
    [
        # Swagger UI lists each operation with its method and path.
        ("/docs", ".opblock-post .opblock-summary-path[data-path='/v1/ask']"),
    ],
)
def test_the_docs_render_in_chromium_with_no_request_leaving_loopback(browser, live_extractive_server, path, operation):
    base, _ = live_extractive_server
    context = browser.new_context()
    requested: list[str] = []
    elsewhere: list[str] = []

    def route(route) -> None:
        url = route.request.url
        requested.append(url)
        if urlsplit(url).hostname in LOOPBACK or url.startswith(("data:", "blob:")):
            route.continue_()
        else:  # as offline: nothing may leave this machine
            elsewhere.append(url)
            route.abort()

    context.route("**/*", route)
    page = context.new_page()
    try:
        page.goto(f"{base}{path}")
        page.locator(operation).first.wait_for(timeout=60_000)
        assert "POST" in page.locator(".opblock-post").first.inner_text()
    finally:
        context.close()
    assert not elsewhere, f"{path} asked the internet for {elsewhere}"
    assert any(url.endswith(f"{path}") for url in requested) and any(ASSETS_PATH in url for url in requested)
