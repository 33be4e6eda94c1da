"""What every page renders with: the templates, Vitrina's Jinja filters, the fragment header.

A little JavaScript (``static/``) asks the same routes for just a fragment of a page (header
``X-Vitrina-Fragment: 1``) to update it without a reload.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from fastapi import Request
from fastapi.templating import Jinja2Templates

from vitrina.catalog.links import is_absolute
from vitrina.catalog.money import format_tenge
from vitrina.search.schemas import SearchResult
from vitrina.web.charts import search_chart, syncs_chart, timing_chart
from vitrina.web.i18n import page_context
from vitrina.web.local_time import when, zone_name

HERE = Path(__file__).resolve().parent
FRAGMENT_HEADER = "x-vitrina-fragment"


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


def click_url(item: SearchResult, search_id: int | None, shop_id: int | None = None) -> str | None:
    """Where a result card links: through the click counter when the page address is absolute
    (to the page on ``shop_id``'s site when the search was in one shop); ``None`` when there is
    no page to go to from Vitrina's own site."""
    if item.page_url is None or not is_absolute(item.page_url):
        return None
    asked = {"s": search_id, "shop_id": shop_id}
    query = urlencode({name: value for name, value in asked.items() if value is not None})
    return f"/go/{item.product_id}" + (f"?{query}" if query else "")


def make_templates() -> Jinja2Templates:
    """The page templates with Vitrina's filters, in the visitor's language."""
    templates = Jinja2Templates(directory=HERE / "templates", context_processors=[page_context])
    templates.env.filters.update(tenge=tenge, percent=percent, duration=duration, when=when)
    templates.env.globals.update(
        zone_name=zone_name,
        syncs_chart=syncs_chart,
        timing_chart=timing_chart,
        search_chart=search_chart,
        click_url=click_url,
    )
    return templates


def templates_of(request: Request) -> Jinja2Templates:
    """The templates ``install_web`` built for this app."""
    templates: Jinja2Templates = request.app.state.templates
    return templates


def is_fragment(request: Request) -> bool:
    """Whether the page's script asked for just the changing part of the page."""
    return request.headers.get(FRAGMENT_HEADER) == "1"
