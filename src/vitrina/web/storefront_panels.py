"""The dashboard's storefront panels: customers' requests (leads) and the sites refused by CORS.

Kept beside the page's route rather than in ``dashboard.py``: neither is a sync figure, and the
refused origins live in this process's memory (``http.cors.RefusedOrigins``), not the database.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy import select

from vitrina.catalog.models import Product
from vitrina.db import database_errors
from vitrina.http.cors import RefusedOrigins
from vitrina.http.state import Services
from vitrina.leads.service import recent_leads
from vitrina.web.dashboard import Dashboard

LEADS_SHOWN = 20


def storefront_panels(request: Request, services: Services, data: Dashboard) -> dict[str, Any]:
    """The template context of ``_storefront_panels.html``, and the names of the products the
    dashboard's tables mention (a manager knows «Розы «Бордо»», not 8002)."""
    refused: RefusedOrigins | None = getattr(request.app.state, "refused_origins", None)
    ids = {e.product_id for e in data.latest_events if e.product_id is not None}
    ids |= {job.product_id for job in data.dead_jobs}
    with database_errors(), services.sessions() as session:
        leads = recent_leads(session, LEADS_SHOWN)
        rows = session.execute(select(Product.id, Product.name).where(Product.id.in_(ids)))
        names = {int(product_id): str(name) for product_id, name in rows}
    return {
        "product_names": names,
        "leads": leads,
        "refused_origins": refused.recent() if refused is not None else [],
        "lead_forwarding": bool(services.settings.lead_webhook_url),
    }
