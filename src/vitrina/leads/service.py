"""Leads: create one (the one entry point, for the API and later the Telegram bot), list them,
drop photos past their retention, and the delivery bookkeeping the sender uses.

Services never commit: the caller owns the transaction (``write_session``).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, undefer

from vitrina.db import utcnow
from vitrina.errors import ImageRejected, InvalidPayload
from vitrina.images.decode import read_image_header
from vitrina.leads.models import FAILED, NOT_FORWARDED, PENDING, SENT, Lead
from vitrina.leads.schemas import LeadRequest, LeadView
from vitrina.metrics import observe_lead

MAX_ATTEMPTS = 8  # with backoff capped at 10 min: about half an hour of trying


@dataclass(frozen=True, slots=True)
class LeadPhoto:
    """The customer's photo, checked to be a picture before it is stored."""

    data: bytes

    @classmethod
    def check(cls, data: bytes, *, max_bytes: int, max_pixels: int) -> LeadPhoto:
        if len(data) > max_bytes:
            raise InvalidPayload(
                f"photo: larger than {max_bytes // 1048576} MiB (got {len(data)} bytes)",
                field="photo",
            )
        try:
            read_image_header(data, max_pixels=max_pixels)
        except ImageRejected as exc:
            raise InvalidPayload(f"photo: {exc.message}", field="photo") from exc
        return cls(data)


def create_lead(
    session: Session, request: LeadRequest, photo: LeadPhoto | None, *, forwarded: bool
) -> Lead:
    """Store a customer's request; ``forwarded`` when a shop endpoint will receive it.

    A photo without ``photo_consent`` is refused (422 naming the field), never stored quietly.
    """
    if photo is not None and not request.photo_consent:
        raise InvalidPayload(
            "photo_consent: a photo is attached only when the customer agrees (got false)",
            field="photo_consent",
        )
    lead = Lead(
        created_at=utcnow(),
        name=request.name,
        phone=request.phone,
        comment=request.comment,
        language=request.language,
        page_url=request.page_url,
        product_id=request.product_id,
        search_id=request.search_id,
        photo=photo.data if photo is not None else None,
        status=PENDING if forwarded else NOT_FORWARDED,
        attempts=0,
    )
    session.add(lead)
    session.flush()
    observe_lead("created")
    return lead


def recent_leads(session: Session, limit: int = 50) -> list[LeadView]:
    """The newest leads first, for the dashboard and the admin API."""
    rows = session.execute(
        select(Lead, Lead.photo.is_not(None).label("has_photo"))
        .order_by(Lead.id.desc())
        .limit(limit)
    ).all()
    return [
        LeadView(
            id=lead.id,
            created_at=lead.created_at,
            name=lead.name,
            phone=lead.phone,
            comment=lead.comment,
            language=lead.language,
            page_url=lead.page_url,
            product_id=lead.product_id,
            search_id=lead.search_id,
            has_photo=bool(has_photo),
            status=lead.status,  # type: ignore[arg-type]  # one of the four, by construction
            attempts=lead.attempts,
            sent_at=lead.sent_at,
            last_error=lead.last_error,
        )
        for lead, has_photo in rows
    ]


def webhook_body(lead: Lead) -> dict[str, Any]:
    """The ``lead.created`` message (Standard Webhooks' JSON shape: type, timestamp, data)."""
    data: dict[str, Any] = {
        "id": lead.id,
        "created_at": lead.created_at.isoformat(),
        "name": lead.name,
        "phone": lead.phone,
        "comment": lead.comment,
        "language": lead.language,
        "page_url": lead.page_url,
        "product_id": lead.product_id,
        "search_id": lead.search_id,
        "photo": None,
    }
    if lead.photo is not None:
        data["photo"] = "data:image/jpeg;base64," + base64.b64encode(lead.photo).decode()
    return {"type": "lead.created", "timestamp": lead.created_at.isoformat(), "data": data}


def due_leads(session: Session, now: datetime, limit: int = 10) -> list[Lead]:
    """Leads waiting to be forwarded whose time has come, oldest first, photos loaded."""
    query = (
        select(Lead)
        .options(undefer(Lead.photo))
        .where(Lead.status == PENDING)
        .where((Lead.next_attempt_at.is_(None)) | (Lead.next_attempt_at <= now))
        .order_by(Lead.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def mark_sent(session: Session, lead_id: int, now: datetime) -> None:
    """The shop's endpoint took it."""
    session.execute(
        update(Lead)
        .where(Lead.id == lead_id)
        .values(status=SENT, sent_at=now, attempts=Lead.attempts + 1, last_error=None)
    )
    observe_lead("sent")


def mark_failed(session: Session, lead: Lead, error: str, retry_at: datetime | None) -> None:
    """One attempt failed: try again at ``retry_at``, or give up after ``MAX_ATTEMPTS``."""
    attempts = lead.attempts + 1
    gave_up = retry_at is None or attempts >= MAX_ATTEMPTS
    session.execute(
        update(Lead)
        .where(Lead.id == lead.id)
        .values(
            status=FAILED if gave_up else PENDING,
            attempts=attempts,
            next_attempt_at=None if gave_up else retry_at,
            last_error=error[:500],
        )
    )
    observe_lead("failed" if gave_up else "retried")


def remove_old_photos(session: Session, now: datetime, retention: timedelta) -> int:
    """Drop the photos of leads older than ``retention``; the rest of the lead stays."""
    result = session.execute(
        update(Lead)
        .where(Lead.photo.is_not(None))
        .where(Lead.created_at < now - retention)
        .values(photo=None, photo_removed_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)
