"""Building and sending signed product webhooks the way Bitrix (and Vitrina's module) do."""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import Any

import httpx

from vitrina.ingest.signatures import signed_headers

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "bitrix"


def sample_product(**changes: Any) -> dict[str, Any]:
    """The real product-detail.json product, with ``changes`` applied."""
    data = json.loads((FIXTURES / "product-detail.json").read_text())["data"]
    product = copy.deepcopy(data)
    product.update(changes)
    return product


def listed_products() -> list[dict[str, Any]]:
    """The products of the real products-list.json."""
    return list(json.loads((FIXTURES / "products-list.json").read_text())["data"])


def envelope(event_type: str, product: dict[str, Any], **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"event_type": f"product.{event_type}", "product_data": product}
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def send(
    client: httpx.Client,
    event_type: str,
    product: dict[str, Any],
    *,
    secret: str,
    msg_id: str | None = None,
    timestamp: int | None = None,
    **extra: Any,
) -> httpx.Response:
    """POST a Standard-Webhooks-signed event; ``msg_id`` defaults to a fresh UUID."""
    body = json.dumps(envelope(event_type, product, **extra)).encode()
    headers = signed_headers(secret, body, msg_id or str(uuid.uuid4()), timestamp)
    headers["content-type"] = "application/json"
    return client.post("/api/v1/webhooks/product-sync", content=body, headers=headers)
