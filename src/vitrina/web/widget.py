"""The storefront widget: ``GET /widget.js`` for the shop's pages, and ``GET /widget``, the page
that shows a shop's developer the one line to paste, with the widget running on it.

The script is served by a route rather than from ``/static`` so that its address is short and
stable, and so that it says explicitly that other sites may load it (``Cross-Origin-Resource-
Policy: cross-origin``) whatever headers the rest of Vitrina sends.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

WIDGET_JS = Path(__file__).resolve().parent / "static" / "widget.js"
router = APIRouter(include_in_schema=False)


@router.get("/widget.js")
def widget_script(request: Request) -> Response:
    """The widget, cached for an hour by browsers (a new version reaches customers within it)."""
    body: bytes = request.app.state.widget_js
    return Response(
        body,
        media_type="text/javascript; charset=utf-8",
        headers={
            "Cache-Control": "public, max-age=3600",
            "Cross-Origin-Resource-Policy": "cross-origin",
            "Access-Control-Allow-Origin": "*",
        },
    )


@router.get("/widget", response_class=HTMLResponse)
def widget_page(request: Request) -> HTMLResponse:
    """The snippet to copy, and the widget itself working on this page as a live preview."""
    templates: Jinja2Templates = request.app.state.templates
    base = str(request.base_url).rstrip("/")
    snippet = f'<script src="{base}/widget.js" defer></script>'
    return templates.TemplateResponse(
        request, "widget.html", {"snippet": snippet, "widget_bytes": len(request.app.state.widget_js)}
    )


def install_widget(app: FastAPI) -> None:
    """Read the script once and add both routes."""
    app.state.widget_js = WIDGET_JS.read_bytes()
    app.include_router(router)
