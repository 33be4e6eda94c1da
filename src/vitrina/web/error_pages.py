"""Errors on pages as HTML: the search page shows them in place, in the visitor's language."""

from __future__ import annotations

from html import escape

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from vitrina.errors import VitrinaError
from vitrina.http.state import Services
from vitrina.web.i18n import customer_message, request_language
from vitrina.web.rendering import is_fragment, templates_of
from vitrina.web.search_page import SearchForm, render_search


def render_error(request: Request, exc: VitrinaError) -> Response:
    """A VitrinaError on a page: the search page shows it in place, others get an error page."""
    services: Services | None = getattr(request.app.state, "services", None)
    if services is not None and request.url.path in ("/", "/search"):
        form = getattr(request.state, "search_form", None) or SearchForm()
        shown = VitrinaError(customer_message(exc, request_language(request)))
        shown.status_code = exc.status_code
        return render_search(request, services, form=form, error=shown)
    if is_fragment(request):
        return HTMLResponse(
            f'<p class="error">{escape(exc.message)}</p>', status_code=exc.status_code
        )
    return templates_of(request).TemplateResponse(
        request, "error.html", {"error": exc}, status_code=exc.status_code
    )
