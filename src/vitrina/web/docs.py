"""The API docs pages (Swagger UI at ``/docs``, ReDoc at ``/redoc``) offline and under the CSP.

FastAPI's own docs pages load Swagger UI and ReDoc from a CDN (blank offline) and write an inline
script and style that a strict Content-Security-Policy blocks. These render the same pages with
the assets served by Vitrina itself — from the ``fastapi-offline`` wheel, which ships Swagger UI
and ReDoc and nothing else we need — and the request's CSP nonce on each inline element.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_URL = "/static-docs"
# The package keeps its copies of the bundles beside its code.
ASSETS = Path(fastapi_offline.__file__).resolve().parent / "static"


def _with_nonce(page: HTMLResponse, nonce: str) -> HTMLResponse:
    html = bytes(page.body).decode()
    html = html.replace("<script>", f'<script nonce="{nonce}">')
    html = html.replace("<style>", f'<style nonce="{nonce}">')
    return HTMLResponse(html)


def install_docs(app: FastAPI) -> None:
    """Serve ``/docs``, ``/redoc`` and their assets (create the app with ``docs_url=None,
    redoc_url=None``)."""
    title = f"{app.title} — API"
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="static-docs")

    @app.get("/docs", include_in_schema=False)
    def swagger(request: Request) -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=title,
            swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
        )
        return _with_nonce(page, request.state.csp_nonce)

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        page = get_redoc_html(
            openapi_url="/openapi.json",
            title=title,
            redoc_js_url=f"{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )
        return _with_nonce(page, request.state.csp_nonce)
