"""Cross-site request forgery: a state-changing request must come from Vitrina's own pages.

Two checks, both needed: a request whose ``Origin`` (or ``Referer``) names another site is refused
outright — this covers the login form, before any session exists; and a logged-in request must
carry the session's token (a hidden form field, or the ``X-CSRF-Token`` header the dashboard's
script sends), which another site cannot read. ``SameSite=Lax`` alone lets a top-level POST from
another site through in some browsers and on sibling subdomains.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request

from vitrina.errors import VitrinaError
from vitrina.http import session as dashboard_session

HEADER = "x-csrf-token"
FIELD = "csrf"


class CrossSiteRequest(VitrinaError):
    """This form was sent from another site; open the dashboard and try again."""

    status_code = 403
    code = "cross_site_request"


def _origin_of(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def check_origin(request: Request) -> None:
    """Refuse a request that says it comes from another origin (``Origin``, else ``Referer``)."""
    own = f"{request.url.scheme}://{request.url.netloc}".lower()
    origin = request.headers.get("origin")
    if origin is not None:
        # "null" is what a sandboxed frame or a privacy-minded redirect sends: not us.
        if _origin_of(origin) != own:
            raise CrossSiteRequest(
                f"This form was sent from another site ({origin[:100]}); open the dashboard "
                "and try again."
            )
        return
    referer = request.headers.get("referer")
    if referer is not None and _origin_of(referer) != own:
        raise CrossSiteRequest("This form was sent from another site; open the dashboard again.")


def check_token(request: Request, cookie: str, offered: str | None) -> None:
    """Refuse a logged-in request without the session's token."""
    check_origin(request)
    if not dashboard_session.csrf_ok(cookie, offered):
        raise CrossSiteRequest(
            "This form has expired or was not sent from the dashboard; reload the page and "
            "try again."
        )
