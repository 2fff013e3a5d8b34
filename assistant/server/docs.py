"""The API's documentation page and its favicon, served from this machine alone.

FastAPI's own /docs loads Swagger UI from a CDN: with no internet at run time it is a
blank page. The same page here loads the files the `fastapi-offline` package installs
(Swagger UI's bundle and CSS), mounted at ASSETS_PATH; nothing is copied into this
project. Swagger UI's online validator badge (a request to validator.swagger.io) is off.
There is no /redoc: ReDoc, even from local files, fetches its logo from cdn.redoc.ly.
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

__all__ = ["ASSETS_PATH", "FAVICON_PATH", "FAVICON_SVG", "install_docs"]

ASSETS_PATH = "/docs-assets"
FAVICON_PATH = "/favicon.ico"

# A speech bubble holding a citation marker: what the assistant gives. Text, not a binary
# blob; browsers take an SVG at /favicon.ico by its content type.
FAVICON_SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<path d="M4 4h24a2 2 0 0 1 2 2v15a2 2 0 0 1-2 2H13l-7 6v-6H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z" fill="#2f5d8a"/>
<text x="16" y="18" font-family="monospace" font-size="12" font-weight="bold" fill="#fff" text-anchor="middle">[1]</text>
</svg>
"""


def _assets() -> StaticFiles:
    # The package's data folder, wherever pip put it (a wheel, an editable install, a zip is not one).
    return StaticFiles(directory=str(files("fastapi_offline") / "static"))


def install_docs(app: FastAPI, docs_url: str = "/docs") -> None:
    """/docs (Swagger UI), its assets and /favicon.ico on `app`, which must have been made
    with docs_url=None and redoc_url=None (FastAPI's CDN pages off)."""
    app.mount(ASSETS_PATH, _assets(), name="docs-assets")

    def openapi_url(root_path: str) -> str:
        return f"{root_path}{app.openapi_url}"

    @app.get(docs_url, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=openapi_url(root),
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{root}{FAVICON_PATH}",
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get(FAVICON_PATH, include_in_schema=False)
    async def favicon() -> Response:
        return Response(FAVICON_SVG, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})
