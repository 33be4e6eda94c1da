"""The search page (``/``): search by an uploaded photo or a photo address, and "more like this".

Works as a plain HTML form; the page's script posts the same form and asks for just the results
(see :mod:`vitrina.web.rendering`).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from starlette.datastructures import UploadFile

from vitrina.analytics.searches import record_search
from vitrina.catalog.models import Product, ProductShop
from vitrina.db import MAX_BIGINT, database_errors
from vitrina.errors import ImageTooLarge, InvalidPayload, VitrinaError
from vitrina.http.bounds import RowId
from vitrina.http.deps import ServicesDep, limit_searches
from vitrina.http.state import Services
from vitrina.ingest.bitrix_format import parse_price
from vitrina.search.asked import filters_with, read_words, with_understood
from vitrina.search.schemas import TEXT_MAX_LENGTH, SearchResponse, SearchResult
from vitrina.vectors.base import SearchFilters
from vitrina.web.i18n import request_language, translator
from vitrina.web.rendering import is_fragment, templates_of
from vitrina.words import Understood

TOP_K = 24
_ASCII_INT = re.compile(r"[0-9]{1,19}")
# What a customer types around a price that a shop's feed does not: spaces anywhere ("20 00"),
# the tenge sign anywhere ("₸ 5000").
_TYPED_ASIDE = str.maketrans("", "", " \u00a0₸")

router = APIRouter(include_in_schema=False)


def price_filter(text: str, field: str) -> int | None:
    """A price filter as a customer typed it → minor units; empty → no filter.

    The one tenge parser (:func:`~vitrina.ingest.bitrix_format.parse_price`) reads it once the
    spaces and ₸ signs a customer puts anywhere are dropped; its error is told in customer words.
    """
    typed = text.translate(_TYPED_ASIDE)
    if not typed:
        return None
    try:
        return parse_price(typed, field)
    except InvalidPayload as exc:
        raise InvalidPayload(
            f"{field}: enter a price in tenge below 10¹³ ₸, like 5000 (got {text[:40]!r})",
            field=field,
        ) from exc


@dataclass
class SearchForm:
    """What the visitor entered, kept so that an error page shows it again."""

    image_url: str = ""
    shop_id: int | None = None
    price_min: str = ""
    price_max: str = ""
    text: str = ""  # a few words beside the photo («такой же, но белый, до 20 000»)

    def filters(self, exclude_product_id: int | None = None) -> SearchFilters:
        return SearchFilters(
            shop_id=self.shop_id,
            price_min=price_filter(self.price_min, "price_min"),
            price_max=price_filter(self.price_max, "price_max"),
            exclude_product_id=exclude_product_id,
        )

    def words(self, language: str) -> Understood | None:
        """The words typed beside the photo, as the API reads its ``text``."""
        if len(self.text) > TEXT_MAX_LENGTH:
            _ = translator(language)
            message = _("Use at most {n} characters for the words.", n=TEXT_MAX_LENGTH)
            raise InvalidPayload(message, field="text")
        return read_words(self.text)


@dataclass
class ResultGroups:
    """A search answer split the way the page shows it."""

    response: SearchResponse
    heading: str
    others: list[SearchResult]


def _shops(services: Services) -> list[int]:
    """Shops that have products on sale, for the shop filter (empty when the database is down)."""
    try:
        with services.sessions() as session:
            query = (
                select(ProductShop.shop_id)
                .join(Product, Product.id == ProductShop.product_id)
                .where(Product.enabled.is_(True))
                .distinct()
            )
            return sorted(session.scalars(query))
    except SQLAlchemyError:
        return []


def _group(response: SearchResponse, heading: str) -> ResultGroups:
    shown = {r.product_id for r in response.exact} | {r.product_id for r in response.similar}
    others = [r for r in response.results if r.product_id not in shown]
    return ResultGroups(response=response, heading=heading, others=others)


def render_search(
    request: Request,
    services: Services,
    *,
    form: SearchForm,
    groups: ResultGroups | None = None,
    error: VitrinaError | None = None,
) -> HTMLResponse:
    """The search page (or just its results) with the form as entered, answers or an error."""
    status = error.status_code if error is not None else 200
    context: dict[str, Any] = {"form": form, "groups": groups, "error": error}
    if is_fragment(request):
        return templates_of(request).TemplateResponse(
            request, "_results.html", context, status_code=status
        )
    context.update(
        shops=_shops(services),
        max_bytes=services.settings.image_max_bytes,
    )
    return templates_of(request).TemplateResponse(
        request, "search.html", context, status_code=status
    )


@router.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse)
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
    return render_search(request, services, form=form, groups=groups)


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
            text=str(data.get("text") or "").strip(),
        )
        request.state.search_form = form
        photo: bytes | None = None
        for name in ("file", "camera"):
            upload = data.get(name)
            if isinstance(upload, UploadFile) and upload.filename:
                photo = await upload.read(limit + 1)
                break
    language = request_language(request)
    words = form.words(language)
    filters = filters_with(form.filters(), words)  # price words narrow the typed prices
    if photo is not None and len(photo) > limit:
        raise ImageTooLarge(
            f"The photo is larger than {limit / 1048576:.0f} MB; choose a smaller one."
        )
    if photo is None and not form.image_url:
        _ = translator(language)
        if words is not None:
            message = _("Add a photo: the words only refine a search by photo.")
            raise InvalidPayload(message, field="text")
        raise InvalidPayload(_("Choose a photo or paste the address of one."), field="file")
    service = services.searcher()

    def run() -> SearchResponse:
        response = service.find(
            photo=photo,
            image_url=None if photo is not None else form.image_url,
            top_k=TOP_K,
            threshold=None,
            filters=filters,
            words=words,
            started=started,
        )
        return record_search(services.sessions, "page", with_understood(response, words, language))

    response = await run_in_threadpool(run)
    _ = translator(language)
    heading = _("Results for your photo" if photo is not None else "Results for the photo address")
    return render_search(request, services, form=form, groups=_group(response, heading))


def _optional_int(value: object, field: str) -> int | None:
    if value is None or value == "":
        return None
    text = str(value)
    if _ASCII_INT.fullmatch(text) is None or not 0 < int(text) <= MAX_BIGINT:
        raise InvalidPayload(f"{field}: expected a number (got {text[:40]!r})", field=field)
    return int(text)
