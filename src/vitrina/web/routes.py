"""The pages: search by photo (``/``) and the sync dashboard (``/dashboard``), server-rendered.

Every page works as plain HTML forms and links; a little JavaScript (``static/``) makes them
nicer — drag and drop, results without a reload, a dashboard that refreshes itself — by asking
the same routes for just a fragment (header ``X-Vitrina-Fragment: 1``).
"""

from __future__ import annotations

import hmac
import logging
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from starlette.datastructures import UploadFile

from vitrina.catalog.links import is_absolute
from vitrina.catalog.models import Product
from vitrina.catalog.money import format_tenge
from vitrina.db import MAX_BIGINT, database_errors, write_session
from vitrina.errors import (
    ImageTooLarge,
    InvalidPayload,
    RateLimited,
    VitrinaError,
)
from vitrina.http import csrf
from vitrina.http import session as dashboard_session
from vitrina.http.bounds import RowId
from vitrina.http.deps import AdminDep, ReadSession, ServicesDep, limit_searches
from vitrina.http.errors import ErrorResponse
from vitrina.http.state import Services
from vitrina.ingest.bitrix_format import MAX_PRICE_MINOR
from vitrina.jobs import queue
from vitrina.search.analytics import record_search
from vitrina.search.schemas import SearchResponse, SearchResult
from vitrina.vectors.base import SearchFilters
from vitrina.web.charts import search_chart, syncs_chart, timing_chart
from vitrina.web.dashboard import Dashboard, collect_dashboard
from vitrina.web.i18n import (
    customer_message,
    page_context,
    request_language,
    translator,
)
from vitrina.web.widget import install_widget

log = logging.getLogger("vitrina.web")
HERE = Path(__file__).resolve().parent
FRAGMENT_HEADER = "x-vitrina-fragment"
TOP_K = 24
_TENGE = re.compile(r"(?P<whole>[0-9]{1,16})(?:\.(?P<tiyn>[0-9]{1,2}))?")
_ASCII_INT = re.compile(r"[0-9]{1,19}")

router = APIRouter(include_in_schema=False)
api_router = APIRouter(tags=["admin"])


# --- formatting -------------------------------------------------------------------------------


def tenge(minor: int | None) -> str:
    """The page's price filter: ``format_tenge``, and nothing for no price."""
    return "" if minor is None else format_tenge(int(minor))


def percent(value: float | None) -> str:
    """``0.0312`` → ``3.1 %``."""
    return "—" if value is None else f"{value * 100:.1f} %"


def duration(seconds: float | None) -> str:
    """A short human age: ``42 s``, ``7 min``, ``3 h``, ``2 d``."""
    if seconds is None:
        return "—"
    for limit, size, unit in ((120, 1, "s"), (7200, 60, "min"), (172800, 3600, "h")):
        if seconds < limit:
            return f"{seconds / size:.0f} {unit}"
    return f"{seconds / 86400:.0f} d"


def when(value: datetime | None) -> str:
    """A UTC timestamp as ``2025-10-24 15:42:55 UTC``."""
    if value is None:
        return "—"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def click_url(item: SearchResult, search_id: int | None) -> str | None:
    """Where a result card links: through the click counter when the page address is absolute;
    ``None`` when there is no page to go to from Vitrina's own site."""
    if item.page_url is None or not is_absolute(item.page_url):
        return None
    return f"/go/{item.product_id}" + (f"?s={search_id}" if search_id is not None else "")


def make_templates() -> Jinja2Templates:
    """The page templates with Vitrina's filters, in the visitor's language."""
    templates = Jinja2Templates(directory=HERE / "templates", context_processors=[page_context])
    templates.env.filters.update(tenge=tenge, percent=percent, duration=duration, when=when)
    templates.env.globals.update(
        syncs_chart=syncs_chart,
        timing_chart=timing_chart,
        search_chart=search_chart,
        click_url=click_url,
    )
    return templates


def _templates(request: Request) -> Jinja2Templates:
    templates: Jinja2Templates = request.app.state.templates
    return templates


def _is_fragment(request: Request) -> bool:
    return request.headers.get(FRAGMENT_HEADER) == "1"


# --- search page ------------------------------------------------------------------------------


@dataclass
class SearchForm:
    """What the visitor entered, kept so that an error page shows it again."""

    image_url: str = ""
    shop_id: int | None = None
    price_min: str = ""
    price_max: str = ""

    def filters(self, exclude_product_id: int | None = None) -> SearchFilters:
        return SearchFilters(
            shop_id=self.shop_id,
            price_min=_tenge_to_minor(self.price_min, "price_min"),
            price_max=_tenge_to_minor(self.price_max, "price_max"),
            exclude_product_id=exclude_product_id,
        )


@dataclass
class ResultGroups:
    """A search answer split the way the page shows it."""

    response: SearchResponse
    heading: str
    others: list[SearchResult]


def _tenge_to_minor(text: str, field: str) -> int | None:
    cleaned = text.replace(" ", "").replace("\u00a0", "").replace("₸", "").replace(",", ".")
    if not cleaned:
        return None
    # ASCII digits only: float() would take "nan", "1e400" and "٤٢".
    match = _TENGE.fullmatch(cleaned)
    if match is None:
        raise InvalidPayload(
            f"{field}: enter a price in tenge, like 5000 (got {text[:40]!r})", field=field
        )
    minor = int(match["whole"]) * 100 + int((match["tiyn"] or "0").ljust(2, "0"))
    if minor > MAX_PRICE_MINOR:
        raise InvalidPayload(f"{field}: the price must be below 10¹³ ₸ (got {text!r})", field=field)
    return minor


def _shops(services: Services) -> list[int]:
    """Shops that have products on sale, for the shop filter (empty when the database is down)."""
    try:
        with services.sessions() as session:
            query = select(Product.shop_id).where(Product.enabled.is_(True)).distinct()
            return sorted(session.scalars(query))
    except SQLAlchemyError:
        return []



def _group(response: SearchResponse, heading: str) -> ResultGroups:
    shown = {r.product_id for r in response.exact} | {r.product_id for r in response.similar}
    others = [r for r in response.results if r.product_id not in shown]
    return ResultGroups(response=response, heading=heading, others=others)


def _render_search(
    request: Request,
    services: Services,
    *,
    form: SearchForm,
    groups: ResultGroups | None = None,
    error: VitrinaError | None = None,
) -> HTMLResponse:
    status = error.status_code if error is not None else 200
    context: dict[str, Any] = {"form": form, "groups": groups, "error": error}
    if _is_fragment(request):
        return _templates(request).TemplateResponse(
            request, "_results.html", context, status_code=status
        )
    context.update(
        shops=_shops(services),
        max_bytes=services.settings.image_max_bytes,
    )
    return _templates(request).TemplateResponse(request, "search.html", context, status_code=status)


@router.get("/", response_class=HTMLResponse)
def search_page(
    request: Request,
    services: ServicesDep,
    similar_to: Annotated[RowId | None, Query()] = None,
    shop_id: Annotated[RowId | None, Query()] = None,
    price_min: Annotated[str, Query(max_length=40)] = "",
    price_max: Annotated[str, Query(max_length=40)] = "",
) -> HTMLResponse:
    """The search form; with ``?similar_to=ID`` also the products that look like that one."""
    form = SearchForm(shop_id=shop_id, price_min=price_min, price_max=price_max)
    request.state.search_form = form
    groups = None
    if similar_to is not None:
        limit_searches(request, services)
        service = services.searcher()
        started = time.perf_counter()
        filters = form.filters(similar_to)  # a bad price is the answer, before any work
        response = service.find(
            product_id=similar_to, top_k=TOP_K, threshold=None, filters=filters, started=started
        )
        # Counted apart from photo searches: it always "matches", and its cards' clicks count.
        response = record_search(services.sessions, "similar", response)
        groups = _group(response, _similar_heading(request, services, similar_to))
    return _render_search(request, services, form=form, groups=groups)


def _similar_heading(request: Request, services: Services, product_id: int) -> str:
    with database_errors(), services.sessions() as session:
        product = session.get(Product, product_id)
    _ = translator(request_language(request))
    if product is None:
        return _("More like product {id}", id=product_id)
    return _("More like “{name}”", name=product.name)


@router.post("/search", response_class=HTMLResponse)
async def search_submit(request: Request, services: ServicesDep) -> HTMLResponse:
    """Search by an uploaded photo (``file`` or ``camera``) or a photo address (``image_url``)."""
    limit_searches(request, services)
    started = time.perf_counter()
    limit = services.settings.image_max_bytes
    async with request.form(max_files=2, max_fields=20) as data:
        form = SearchForm(
            image_url=str(data.get("image_url") or "").strip(),
            shop_id=_optional_int(data.get("shop_id"), "shop_id"),
            price_min=str(data.get("price_min") or ""),
            price_max=str(data.get("price_max") or ""),
        )
        request.state.search_form = form
        photo: bytes | None = None
        for name in ("file", "camera"):
            upload = data.get(name)
            if isinstance(upload, UploadFile) and upload.filename:
                photo = await upload.read(limit + 1)
                break
    filters = form.filters()
    if photo is not None and len(photo) > limit:
        raise ImageTooLarge(
            f"The photo is larger than {limit / 1048576:.0f} MB; choose a smaller one."
        )
    if photo is None and not form.image_url:
        _ = translator(request_language(request))
        raise InvalidPayload(_("Choose a photo or paste the address of one."), field="file")
    service = services.searcher()

    def run() -> SearchResponse:
        response = service.find(
            photo=photo,
            image_url=None if photo is not None else form.image_url,
            top_k=TOP_K,
            threshold=None,
            filters=filters,
            started=started,
        )
        return record_search(services.sessions, "page", response)

    response = await run_in_threadpool(run)
    _ = translator(request_language(request))
    heading = _("Results for your photo" if photo is not None else "Results for the photo address")
    return _render_search(request, services, form=form, groups=_group(response, heading))


def _optional_int(value: object, field: str) -> int | None:
    if value is None or value == "":
        return None
    text = str(value)
    if _ASCII_INT.fullmatch(text) is None or not 0 < int(text) <= MAX_BIGINT:
        raise InvalidPayload(f"{field}: expected a number (got {text[:40]!r})", field=field)
    return int(text)


# --- dashboard --------------------------------------------------------------------------------


def _session_cookie(request: Request, services: Services) -> str | None:
    """The session cookie, if it is a live session (else ``None``: not logged in)."""
    token = services.settings.admin_token
    cookie = request.cookies.get(dashboard_session.COOKIE_NAME)
    if not token or cookie is None:
        return None
    with database_errors():
        return cookie if dashboard_session.is_active(services.sessions, cookie, token) else None


def _logged_in(request: Request, services: Services) -> bool:
    return _session_cookie(request, services) is not None


def _dashboard_data(services: Services) -> Dashboard:
    embedder = services.embedder_name
    with database_errors(), services.sessions() as session:
        return collect_dashboard(session, embedder)


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(request: Request, services: ServicesDep) -> Response:
    """The sync dashboard (log in first); ``X-Vitrina-Fragment: 1`` answers just the panels."""
    cookie = _session_cookie(request, services)
    if cookie is None:
        if _is_fragment(request):
            return HTMLResponse("", status_code=401)
        return RedirectResponse("/dashboard/login", status_code=303)
    name = "_panels.html" if _is_fragment(request) else "dashboard.html"
    context = {
        "data": _dashboard_data(services),
        "refresh_s": 5,
        "csrf": dashboard_session.csrf_token(cookie),
    }
    return _templates(request).TemplateResponse(request, name, context)


@router.post("/dashboard/jobs/{job_id}/retry")
def retry_from_dashboard(
    job_id: RowId,
    request: Request,
    services: ServicesDep,
    token: Annotated[str | None, Form(alias=csrf.FIELD, max_length=200)] = None,
) -> Response:
    """The retry button without JavaScript: requeue the dead job, back to the dashboard."""
    cookie = _session_cookie(request, services)
    if cookie is None:
        return RedirectResponse("/dashboard/login", status_code=303)
    csrf.check_token(request, cookie, token)
    with database_errors(), write_session(services.sessions) as session:
        retried = queue.retry_dead(session, job_id)
    if retried is not None:
        services.wake_worker()
    return RedirectResponse("/dashboard#dead-jobs", status_code=303)


@router.get("/dashboard/login", response_class=HTMLResponse)
def login_page(request: Request, services: ServicesDep) -> Response:
    """The admin-token form (straight to the dashboard when already logged in)."""
    if _logged_in(request, services):
        return RedirectResponse("/dashboard", status_code=303)
    return _login_form(request, services)


def _login_form(
    request: Request, services: Services, error: str | None = None, status: int = 200
) -> HTMLResponse:
    context = {"error": error, "disabled": not services.settings.admin_token}
    return _templates(request).TemplateResponse(request, "login.html", context, status_code=status)


@router.post("/dashboard/login", response_class=HTMLResponse)
async def login(request: Request, services: ServicesDep) -> Response:
    """Check the admin token; on success set the session cookie (HttpOnly, SameSite=Lax)."""
    csrf.check_origin(request)  # no session yet to hold a token: the origin must be ours
    # Only failed attempts are charged: a right token gets in unless this address is guessing.
    wait = services.login_limiter.peek(_client(request))
    if wait is not None:
        raise RateLimited(f"Too many login attempts; try again in {wait:.0f} s.", retry_after=wait)
    async with request.form(max_files=0, max_fields=5) as data:
        offered = str(data.get("token") or "").strip()
    token = services.settings.admin_token
    if not token:
        return _login_form(request, services, status=403)
    if not offered or not hmac.compare_digest(offered.encode(), token.encode()):
        services.login_limiter.acquire(_client(request))
        log.warning("dashboard login refused", extra={"client": _client(request)})
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
    log.info("dashboard login", extra={"client": _client(request)})
    return response


@router.post("/dashboard/logout")
def logout(
    request: Request,
    services: ServicesDep,
    token: Annotated[str | None, Form(alias=csrf.FIELD, max_length=200)] = None,
) -> Response:
    """End the session on the server (every copy of the cookie stops working), drop the cookie."""
    cookie = _session_cookie(request, services)
    if cookie is not None:
        csrf.check_token(request, cookie, token)
        with database_errors():
            dashboard_session.end(services.sessions, cookie)
        log.info("dashboard logout", extra={"client": _client(request)})
    response = RedirectResponse("/dashboard/login", status_code=303)
    response.delete_cookie(dashboard_session.COOKIE_NAME, path="/", httponly=True, samesite="lax")
    return response


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@api_router.get(
    "/api/v1/dashboard",
    response_model=Dashboard,
    responses={code: {"model": ErrorResponse} for code in (401, 503)},
)
def dashboard_json(session: ReadSession, services: ServicesDep, _: AdminDep) -> Dashboard:
    """Everything the dashboard shows, as JSON (admin)."""
    embedder = services.embedder_name
    return collect_dashboard(session, embedder)


# --- errors as pages --------------------------------------------------------------------------


def render_error(request: Request, exc: VitrinaError) -> Response:
    """A VitrinaError on a page: the search page shows it in place, others get an error page."""
    services: Services | None = getattr(request.app.state, "services", None)
    if services is not None and request.url.path in ("/", "/search"):
        form = getattr(request.state, "search_form", None) or SearchForm()
        shown = VitrinaError(customer_message(exc, request_language(request)))
        shown.status_code = exc.status_code
        return _render_search(request, services, form=form, error=shown)
    if _is_fragment(request):
        return HTMLResponse(
            f'<p class="error">{escape(exc.message)}</p>', status_code=exc.status_code
        )
    return _templates(request).TemplateResponse(
        request, "error.html", {"error": exc}, status_code=exc.status_code
    )


def install_web(app: FastAPI) -> None:
    """Add the pages, their static files and HTML error pages to ``app``."""
    app.state.templates = make_templates()
    app.state.html_error_renderer = render_error
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(router)
    app.include_router(api_router)
    install_widget(app)
