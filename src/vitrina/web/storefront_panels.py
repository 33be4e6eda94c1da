"""The dashboard's storefront panels: what customers looked for and did not find, their requests
(leads) and the sites refused by CORS.

Kept beside the page's route rather than in ``dashboard.py``: neither is a sync figure, and the
refused origins live in this process's memory (``http.cors.RefusedOrigins``), not the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vitrina.analytics.models import SearchEvent
from vitrina.catalog.models import Product
from vitrina.db import database_errors, utcnow
from vitrina.http.cors import RefusedOrigins
from vitrina.http.state import Services
from vitrina.leads.service import recent_leads
from vitrina.web.dashboard import Dashboard

LEADS_SHOWN = 20
MISSED_DAYS = 14
MISSED_GROUPS = 8


@dataclass(frozen=True)
class MissedLook:
    """Searches with no good match whose nearest product was the same: photos of one kind of
    bouquet the catalog lacks (the customer's photo itself is never kept)."""

    nearest_id: int
    nearest_name: str | None
    searches: int


def missed_looks(session: Session, now: datetime) -> list[MissedLook]:
    """The largest groups of searches without a good match over ``MISSED_DAYS`` days."""
    since = now - timedelta(days=MISSED_DAYS)
    rows = session.execute(
        select(
            SearchEvent.top_product_id,
            func.count().label("n"),
        )
        .where(
            SearchEvent.created_at >= since,
            SearchEvent.matched.is_(False),
            SearchEvent.top_product_id.is_not(None),
            SearchEvent.channel != "similar",
        )
        .group_by(SearchEvent.top_product_id)
        .order_by(func.count().desc(), SearchEvent.top_product_id)
        .limit(MISSED_GROUPS)
    ).all()
    groups = [(int(pid or 0), int(n)) for pid, n in rows]  # ids are not NULL: see the query
    ids = [pid for pid, _ in groups]
    names = dict(session.execute(select(Product.id, Product.name).where(Product.id.in_(ids))).all())
    return [MissedLook(pid, names.get(pid), n) for pid, n in groups]


def storefront_panels(request: Request, services: Services, data: Dashboard) -> dict[str, Any]:
    """The template context of ``_storefront_panels.html``, and the names of the products the
    dashboard's tables mention (a manager knows «Розы «Бордо»», not 8002)."""
    refused: RefusedOrigins | None = getattr(request.app.state, "refused_origins", None)
    ids = {e.product_id for e in data.latest_events if e.product_id is not None}
    ids |= {job.product_id for job in data.dead_jobs}
    with database_errors(), services.sessions() as session:
        leads = recent_leads(session, LEADS_SHOWN)
        missed = missed_looks(session, utcnow())
        rows = session.execute(select(Product.id, Product.name).where(Product.id.in_(ids)))
        names = {int(product_id): str(name) for product_id, name in rows}
    return {
        "product_names": names,
        "missed_looks": missed,
        "leads": leads,
        "refused_origins": refused.recent() if refused is not None else [],
        "lead_forwarding": bool(services.settings.lead_webhook_url),
    }
