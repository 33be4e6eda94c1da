"""The pretend shop's webhooks: one change as Vitrina's envelope, posted signed.

The envelope and the Standard Webhooks signature are what the Bitrix module sends; the legacy
body and ``X-Webhook-Secret`` are what the shop's old ``init.php`` handler sent.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from vitrina.ingest.signatures import signed_headers

__all__ = ["EventType", "ProductEvent", "send_webhook"]

EventType = Literal["product.created", "product.updated", "product.deleted"]


@dataclass(frozen=True, slots=True)
class ProductEvent:
    """One change at the source, in Vitrina's webhook envelope."""

    event_type: EventType
    product_data: dict[str, Any]
    event_id: str
    sequence: int
    occurred_at: str

    def envelope(self) -> dict[str, Any]:
        """The JSON body a good sender posts (what Vitrina's own Bitrix module sends)."""
        return {
            "event_type": self.event_type,
            "product_data": self.product_data,
            "event_id": self.event_id,
            "sequence": self.sequence,
            "occurred_at": self.occurred_at,
        }

    def legacy_body(self) -> dict[str, Any]:
        """The body the shop's old ``init.php`` handler posts: no ordering, no id."""
        return {"event_type": self.event_type, "product_data": self.product_data}


def send_webhook(
    vitrina_url: str,
    secret: str | Sequence[str],
    event: ProductEvent,
    *,
    legacy: bool = False,
    timeout: float = 10.0,
) -> httpx.Response:
    """POST ``event`` to Vitrina's webhook URL, signed the Standard Webhooks way.

    Several secrets produce several ``v1,`` signatures, as a sender does during key rotation.
    ``legacy=True`` imitates the shop's old handler instead: the bare body and the secret in
    ``X-Webhook-Secret``.
    """
    secrets_ = [secret] if isinstance(secret, str) else list(secret)
    if legacy:
        body = json.dumps(event.legacy_body(), ensure_ascii=False).encode()
        headers = {"X-Webhook-Secret": secrets_[0]}
    else:
        body = json.dumps(event.envelope(), ensure_ascii=False).encode()
        timestamp = int(time.time())
        headers = signed_headers(secrets_[0], body, event.event_id, timestamp)
        headers["webhook-signature"] = " ".join(
            signed_headers(s, body, event.event_id, timestamp)["webhook-signature"]
            for s in secrets_
        )
    headers["Content-Type"] = "application/json"
    return httpx.post(vitrina_url, content=body, headers=headers, timeout=timeout)
