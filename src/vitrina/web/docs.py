"""The API docs pages (Swagger UI at ``/docs``, ReDoc at ``/redoc``) under the page CSP.

FastAPI's own docs routes write an inline script and style that a strict Content-Security-Policy
blocks; these render the same pages with the request's CSP nonce on each inline element.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse


def _with_nonce(page: HTMLResponse, nonce: str) -> HTMLResponse:
    html = bytes(page.body).decode()
    html = html.replace("<script>", f'<script nonce="{nonce}">')
    html = html.replace("<style>", f'<style nonce="{nonce}">')
    return HTMLResponse(html)


def install_docs(app: FastAPI) -> None:
    """Serve ``/docs`` and ``/redoc`` (create the app with ``docs_url=None, redoc_url=None``)."""
    title = f"{app.title} — API"

    @app.get("/docs", include_in_schema=False)
    def swagger(request: Request) -> HTMLResponse:
        page = get_swagger_ui_html(openapi_url="/openapi.json", title=title)
        return _with_nonce(page, request.state.csp_nonce)

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        return _with_nonce(
            get_redoc_html(openapi_url="/openapi.json", title=title), request.state.csp_nonce
        )
