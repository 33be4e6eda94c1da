"""The storefront widget: ``GET /widget.js`` for the shop's pages, and ``GET /widget``, the page
that shows a shop's developer the one line to paste, with the widget running on it.

The script is served by a route rather than from ``/static`` so that its address is short and
stable, and so that it says explicitly that other sites may load it (``Cross-Origin-Resource-
Policy: cross-origin``) whatever headers the rest of Vitrina sends. It is read and gzipped once
at start-up; browsers revalidate it by ``ETag`` (a 304 costs a few bytes), and
``/widget.js?v=<etag>`` is the same script cached for a year, for shops that version it.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

WIDGET_JS = Path(__file__).resolve().parent / "static" / "widget.js"
FAVICON = Path(__file__).resolve().parent / "static" / "favicon.svg"
router = APIRouter(include_in_schema=False)
REVALIDATE = "public, max-age=3600"  # a new version reaches customers within the hour
IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class WidgetScript:
    """The script's bytes, gzipped once, and the version both are known by."""

    body: bytes
    gzipped: bytes
    version: str

    @classmethod
    def read(cls, path: Path = WIDGET_JS) -> WidgetScript:
        body = path.read_bytes()
        return cls(body, gzip.compress(body, 9, mtime=0), hashlib.sha256(body).hexdigest()[:16])

    @property
    def etag(self) -> str:
        return f'"{self.version}"'


def _accepts_gzip(request: Request) -> bool:
    return any(
        part.split(";")[0].strip() == "gzip"
        for part in request.headers.get("accept-encoding", "").split(",")
    )


@router.api_route("/widget.js", methods=["GET", "HEAD"])
def widget_script(request: Request) -> Response:
    """The widget, compressed when the browser takes gzip; 304 when its copy is current."""
    script: WidgetScript = request.app.state.widget_script
    versioned = request.query_params.get("v") == script.version
    headers = {
        "Cache-Control": IMMUTABLE if versioned else REVALIDATE,
        "ETag": script.etag,
        "Vary": "Accept-Encoding",
        "Cross-Origin-Resource-Policy": "cross-origin",
        "Access-Control-Allow-Origin": "*",
    }
    if script.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    body = script.body
    if _accepts_gzip(request):
        body = script.gzipped
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type="text/javascript; charset=utf-8", headers=headers)


@router.api_route("/favicon.ico", methods=["GET", "HEAD"])
def favicon() -> Response:
    """The tab icon (SVG: every browser we serve takes it at the address they ask for)."""
    return Response(
        FAVICON.read_bytes(),
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@router.get("/widget", response_class=HTMLResponse)
def widget_page(request: Request) -> HTMLResponse:
    """The snippet to copy, its options, and the widget itself working on this page."""
    templates: Jinja2Templates = request.app.state.templates
    script: WidgetScript = request.app.state.widget_script
    base = str(request.base_url).rstrip("/")
    snippet = f'<script src="{base}/widget.js" defer></script>'
    return templates.TemplateResponse(
        request,
        "widget.html",
        {
            "snippet": snippet,
            "base": base,
            "version": script.version,
            "widget_bytes": len(script.gzipped),
        },
    )


def install_widget(app: FastAPI) -> None:
    """Read the script once and add both routes."""
    app.state.widget_script = WidgetScript.read()
    app.include_router(router)
