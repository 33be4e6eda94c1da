"""The webhook envelope Vitrina accepts, and the answer it gives."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from vitrina.db import MAX_BIGINT

EventType = Literal["product.created", "product.updated", "product.deleted"]
EventAction = Literal["created", "updated", "deleted", "duplicate", "stale"]


class WebhookEnvelope(BaseModel):
    """What the shop's handler sends today, plus the optional fields of a better sender."""

    model_config = ConfigDict(extra="ignore")

    event_type: EventType
    product_data: dict[str, Any]
    event_id: str | None = Field(default=None, min_length=1, max_length=200)
    sequence: int | None = Field(default=None, ge=0, le=MAX_BIGINT)
    occurred_at: AwareDatetime | None = None


class WebhookResult(BaseModel):
    """The answer to an accepted webhook, sent only after the change is committed."""

    status: Literal["success"] = "success"
    action: EventAction
    product_id: int
    reindex_queued: bool


class IncomingEvent(BaseModel):
    """An authenticated, parsed event on its way into the catalog."""

    event_type: EventType
    product_id: int
    product_data: dict[str, Any]
    idempotency_key: str | None
    sequence: int | None
    occurred_at: datetime | None
