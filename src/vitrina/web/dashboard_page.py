"""The sync dashboard page (``/dashboard``, after logging in) and its retry button.

The page refreshes its panels itself by asking for a fragment; the same numbers are served as
JSON by :mod:`vitrina.web.dashboard_api`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from vitrina.db import database_errors, write_session
from vitrina.http import csrf
from vitrina.http import session as dashboard_session
from vitrina.http.bounds import RowId
from vitrina.http.deps import ServicesDep
from vitrina.http.state import Services
from vitrina.jobs import queue
from vitrina.web.dashboard import Dashboard, collect_dashboard
from vitrina.web.login import session_cookie
from vitrina.web.rendering import is_fragment, templates_of
from vitrina.web.storefront_panels import storefront_panels

router = APIRouter(include_in_schema=False)


def _dashboard_data(services: Services) -> Dashboard:
    embedder = services.embedder_name
    with database_errors(), services.sessions() as session:
        return collect_dashboard(session, embedder, zone=services.settings.timezone)


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(request: Request, services: ServicesDep) -> Response:
    """The sync dashboard (log in first); ``X-Vitrina-Fragment: 1`` answers just the panels."""
    cookie = session_cookie(request, services)
    if cookie is None:
        if is_fragment(request):
            return HTMLResponse("", status_code=401)
        return RedirectResponse("/dashboard/login", status_code=303)
    name = "_panels.html" if is_fragment(request) else "dashboard.html"
    data = _dashboard_data(services)
    context = {
        "data": data,
        "refresh_s": 5,
        "csrf": dashboard_session.csrf_token(cookie),
        **storefront_panels(request, services, data),
    }
    return templates_of(request).TemplateResponse(request, name, context)


@router.post("/dashboard/jobs/{job_id}/retry")
def retry_from_dashboard(
    job_id: RowId,
    request: Request,
    services: ServicesDep,
    token: Annotated[str | None, Form(alias=csrf.FIELD, max_length=200)] = None,
) -> Response:
    """The retry button without JavaScript: requeue the dead job, back to the dashboard."""
    cookie = session_cookie(request, services)
    if cookie is None:
        return RedirectResponse("/dashboard/login", status_code=303)
    csrf.check_token(request, cookie, token)
    with database_errors(), write_session(services.sessions) as session:
        retried = queue.retry_dead(session, job_id)
    if retried is not None:
        services.wake_worker()
    return RedirectResponse("/dashboard#dead-jobs", status_code=303)
