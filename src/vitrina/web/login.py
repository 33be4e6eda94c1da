"""Logging in to the dashboard (``/dashboard/login``, ``/dashboard/logout``) with the admin token.

A login starts a server-side session (:mod:`vitrina.http.session`) held in an HttpOnly cookie;
logging out ends it on the server, so every copy of the cookie stops working.
"""

from __future__ import annotations

import hmac
import logging
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from vitrina.db import database_errors
from vitrina.errors import RateLimited
from vitrina.http import csrf
from vitrina.http import session as dashboard_session
from vitrina.http.deps import ServicesDep, client_address
from vitrina.http.state import Services
from vitrina.web.i18n import request_language, translator
from vitrina.web.rendering import templates_of

log = logging.getLogger("vitrina.web")

router = APIRouter(include_in_schema=False)


def session_cookie(request: Request, services: Services) -> str | None:
    """The session cookie, if it is a live session (else ``None``: not logged in)."""
    token = services.settings.admin_token
    cookie = request.cookies.get(dashboard_session.COOKIE_NAME)
    if not token or cookie is None:
        return None
    with database_errors():
        return cookie if dashboard_session.is_active(services.sessions, cookie, token) else None


@router.get("/dashboard/login", response_class=HTMLResponse)
def login_page(request: Request, services: ServicesDep) -> Response:
    """The admin-token form (straight to the dashboard when already logged in)."""
    if session_cookie(request, services) is not None:
        return RedirectResponse("/dashboard", status_code=303)
    return _login_form(request, services)


def _login_form(
    request: Request, services: Services, error: str | None = None, status: int = 200
) -> HTMLResponse:
    context = {"error": error, "disabled": not services.settings.admin_token}
    return templates_of(request).TemplateResponse(
        request, "login.html", context, status_code=status
    )


@router.post("/dashboard/login", response_class=HTMLResponse)
async def login(request: Request, services: ServicesDep) -> Response:
    """Check the admin token; on success set the session cookie (HttpOnly, SameSite=Lax)."""
    csrf.check_origin(request)  # no session yet to hold a token: the origin must be ours
    # Only failed attempts are charged: a right token gets in unless this address is guessing.
    wait = services.login_limiter.peek(client_address(request))
    if wait is not None:
        raise RateLimited(f"Too many login attempts; try again in {wait:.0f} s.", retry_after=wait)
    async with request.form(max_files=0, max_fields=5) as data:
        offered = str(data.get("token") or "").strip()
    token = services.settings.admin_token
    if not token:
        return _login_form(request, services, status=403)
    if not offered or not hmac.compare_digest(offered.encode(), token.encode()):
        services.login_limiter.acquire(client_address(request))
        log.warning("dashboard login refused", extra={"client": client_address(request)})
        refused = translator(request_language(request))("That is not the admin token.")
        return _login_form(request, services, refused, status=401)
    with database_errors():
        cookie = await run_in_threadpool(dashboard_session.start, services.sessions, token)
    response = RedirectResponse("/dashboard", status_code=303)
    response.set_cookie(
        dashboard_session.COOKIE_NAME,
        cookie,
        max_age=dashboard_session.MAX_AGE_S,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    log.info("dashboard login", extra={"client": client_address(request)})
    return response


@router.post("/dashboard/logout")
def logout(
    request: Request,
    services: ServicesDep,
    token: Annotated[str | None, Form(alias=csrf.FIELD, max_length=200)] = None,
) -> Response:
    """End the session on the server (every copy of the cookie stops working), drop the cookie."""
    cookie = session_cookie(request, services)
    if cookie is not None:
        csrf.check_token(request, cookie, token)
        with database_errors():
            dashboard_session.end(services.sessions, cookie)
        log.info("dashboard logout", extra={"client": client_address(request)})
    response = RedirectResponse("/dashboard/login", status_code=303)
    response.delete_cookie(dashboard_session.COOKIE_NAME, path="/", httponly=True, samesite="lax")
    return response
