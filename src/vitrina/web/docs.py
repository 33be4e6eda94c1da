"""The API docs page (Swagger UI at ``/docs``) offline and under the CSP; ``/redoc`` leads there.

FastAPI's own docs pages load Swagger UI from a CDN (blank offline) and write an inline script
and style that a strict Content-Security-Policy blocks. This renders the same page with the
assets served by Vitrina itself — from the ``fastapi-offline`` wheel — and the request's CSP
nonce on each inline element. ReDoc is switched off: it builds its styles at run time
(styled-components, no nonce) and starts a worker from a ``blob:``, so under the pages' policy
it renders a blank page; one API page that works is better than two.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse
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
    """Serve ``/docs`` and its assets, and ``/redoc`` as a redirect to it (create the app with
    ``docs_url=None, redoc_url=None``)."""
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
    def redoc() -> RedirectResponse:
        return RedirectResponse("/docs", status_code=308)
