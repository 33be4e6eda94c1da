"""FastAPI dependencies as ``Annotated`` aliases."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from vitrina.db import database_errors
from vitrina.errors import Unauthorized
from vitrina.http import session as dashboard_session
from vitrina.http.state import Services


def get_services(request: Request) -> Services:
    """The app's services (built in the lifespan)."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_read_session(services: ServicesDep) -> Iterator[Session]:
    """A session for reads; routes that write own their transaction explicitly."""
    with database_errors(), services.sessions() as session:
        yield session


ReadSession = Annotated[Session, Depends(get_read_session)]


def require_admin(request: Request, services: ServicesDep) -> None:
    """Bearer ``VITRINA_ADMIN_TOKEN`` (or the dashboard's session cookie, set after login)."""
    token = services.settings.admin_token
    if not token:
        raise Unauthorized("Admin endpoints are disabled: set VITRINA_ADMIN_TOKEN.")
    header = request.headers.get("authorization", "")
    offered = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else None
    if offered is None:
        cookie = request.cookies.get(dashboard_session.COOKIE_NAME)
        if cookie is not None and dashboard_session.session_is_valid(cookie, token):
            return
    if offered is None or not hmac.compare_digest(offered.encode(), token.encode()):
        raise Unauthorized(
            "Admin token required: send 'Authorization: Bearer <VITRINA_ADMIN_TOKEN>'."
        )


AdminDep = Annotated[None, Depends(require_admin)]
