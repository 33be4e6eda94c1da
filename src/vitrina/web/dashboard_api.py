"""The dashboard's numbers as JSON (``GET /api/v1/dashboard``, admin) for scripts and monitors."""

from __future__ import annotations

from fastapi import APIRouter

from vitrina.http.deps import AdminDep, ReadSession, ServicesDep
from vitrina.http.errors import ErrorResponse
from vitrina.web.dashboard import Dashboard, collect_dashboard

router = APIRouter(tags=["admin"])


@router.get(
    "/api/v1/dashboard",
    response_model=Dashboard,
    responses={code: {"model": ErrorResponse} for code in (401, 503)},
)
def dashboard_json(session: ReadSession, services: ServicesDep, _: AdminDep) -> Dashboard:
    """Everything the dashboard shows, as JSON (admin)."""
    embedder = services.embedder_name
    return collect_dashboard(session, embedder, zone=services.settings.timezone)
