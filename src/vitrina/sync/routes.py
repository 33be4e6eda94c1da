"""``POST /api/v1/webhooks/product-sync``: authenticate, parse, apply in one transaction, answer."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections.abc import Mapping

from fastapi import APIRouter, Request, Response
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from vitrina.config import Settings
from vitrina.db import database_errors, write_connection
from vitrina.errors import InvalidPayload, RateLimited, Unauthorized
from vitrina.http.body_limit import DEFAULT_LIMIT
from vitrina.http.deps import client_address
from vitrina.http.errors import ErrorResponse, describe_validation_error
from vitrina.http.json_body import loads_strict
from vitrina.http.state import Services
from vitrina.ingest.bitrix_format import check_date_range, parse_product_id
from vitrina.ingest.schemas import IncomingEvent, WebhookEnvelope, WebhookResult
from vitrina.ingest.signatures import verify, verify_legacy
from vitrina.ingest.sites import shops_for_product
from vitrina.metrics import observe_webhook
from vitrina.sync.service import EventOutcome, apply_event, log_rejection

log = logging.getLogger("vitrina.ingest")
router = APIRouter(tags=["webhooks"])

_ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorResponse} for code in (400, 401, 413, 422, 429, 503)
}


# The route reads the raw body (its signature covers the bytes), so the body is described here.
_WEBHOOK_EXAMPLE = {
    "event_type": "product.updated",
    "event_id": "evt_2f1c9a",
    "sequence": 42,
    "occurred_at": "2025-10-24T15:42:55+05:00",
    "product_data": {
        "id": 698977,
        "title": "Собранный букет",
        "price": "20 000 ₸",
        "isAvailable": True,
        "image": "https://shop.kz/upload/iblock/c31/bouquet.jpg",
        "images": ["https://shop.kz/upload/iblock/c31/bouquet.jpg"],
        "type": "vitrina",
        "url": "/catalog/bouquets/698977/",
        "createdAt": "2025-10-24T15:42:55+0500",
    },
}
_WEBHOOK_BODY = {
    "requestBody": {
        "required": True,
        "description": f"A Bitrix product event, at most {DEFAULT_LIMIT // 1024} KiB, signed "
        "(Standard Webhooks headers). `price` is the shop's display string in tenge (stored in "
        "minor units, 1 ₸ = 100); `url`, `DETAIL_PAGE_URL` or `link` is the product's page, "
        "absolute or relative to VITRINA_SHOP_BASE_URL.",
        "content": {
            "application/json": {
                "schema": WebhookEnvelope.model_json_schema(),
                "examples": {"updated": {"value": _WEBHOOK_EXAMPLE}},
            }
        },
    }
}


@router.post(
    "/api/v1/webhooks/product-sync",
    response_model=WebhookResult,
    responses=_ERRORS,
    openapi_extra=_WEBHOOK_BODY,
)
async def product_sync(request: Request) -> Response:
    """Apply one product event from the shop. Answers only after the change is committed."""
    # The hot path: no dependency injection and no response-model round trip — together they
    # were ~15 % of a webhook's CPU under load (py-spy). The OpenAPI schema is unchanged.
    services: Services = request.app.state.services
    started = time.perf_counter()
    source = client_address(request)
    wait = services.limiter.acquire(source)
    if wait is not None:
        raise RateLimited(
            f"Too many webhooks from {source}; retry in {wait:.1f} s.", retry_after=wait
        )
    body = await request.body()  # at most 1 MiB: BodyLimitMiddleware stops it while read
    signed_id = authenticate(request.headers, body, services.settings)
    event = parse_event(body, signed_id)
    shops = shops_for_product(services.settings, event.product_data)
    request_id = getattr(request.state, "request_id", None)
    # On the writer thread(s), not anyio's pool: cheaper to hand over (anyio's machinery was
    # ~10 % of a webhook) and, on SQLite, one writer in arrival order.
    context = contextvars.copy_context()  # the request id follows into the thread's logs
    result = await asyncio.get_running_loop().run_in_executor(
        services.writer, context.run, _apply, services, event, shops, request_id, started
    )
    observe_webhook(result.action)
    if result.reindex_queued:
        services.wake_worker()  # the embedded worker starts at once: freshness
    log.info(
        "webhook %s product %s -> %s",
        event.event_type,
        event.product_id,
        result.action,
        extra={"product_id": event.product_id, "action": result.action},
    )
    answer = WebhookResult(
        action=result.action, product_id=result.product_id, reindex_queued=result.reindex_queued
    )
    return Response(answer.model_dump_json(), media_type="application/json")


def authenticate(headers: Mapping[str, str], body: bytes, settings: Settings) -> str | None:
    """Standard Webhooks signature, or the legacy header when enabled; the ``webhook-id`` if signed.

    A request that carries signature headers is judged by them alone: a bad signature is never
    rescued by a correct legacy secret.
    """
    if any(h in headers for h in ("webhook-id", "webhook-signature", "webhook-timestamp")):
        return verify(
            headers, body, settings.webhook_secrets, tolerance_s=settings.webhook_tolerance_s
        )
    if "x-webhook-secret" in headers:
        verify_legacy(headers.get("x-webhook-secret"), settings.legacy_webhook_secret)
        return None
    if not settings.webhook_secrets and not settings.legacy_webhook_secret:
        raise Unauthorized("No webhook secret is configured; every request is refused.")
    raise Unauthorized("The request is not signed: send Standard Webhooks signature headers.")


def parse_event(body: bytes, signed_id: str | None) -> IncomingEvent:
    """The envelope → an :class:`IncomingEvent`, or a 400/422 naming the bad field."""
    raw = loads_strict(body)
    if not isinstance(raw, dict):
        raise InvalidPayload("body: expected a JSON object", field="body")
    try:
        envelope = WebhookEnvelope.model_validate(raw)
    except ValidationError as exc:
        message, field = describe_validation_error(list(exc.errors()))
        raise InvalidPayload(message, field=field) from None
    if envelope.occurred_at is not None:
        check_date_range(envelope.occurred_at, "occurred_at")
    product_id = parse_product_id(envelope.product_data.get("id"), "product_data.id")
    return IncomingEvent(
        event_type=envelope.event_type,
        product_id=product_id,
        product_data=envelope.product_data,
        idempotency_key=signed_id or envelope.event_id,
        sequence=envelope.sequence,
        occurred_at=envelope.occurred_at,
    )


def _apply(
    services: Services,
    event: IncomingEvent,
    shops: dict[int, str | None],
    request_id: str | None,
    started: float,
) -> EventOutcome:
    for attempt in range(2):
        try:
            with database_errors(), write_connection(services.engine) as connection:
                return apply_event(
                    connection,
                    event,
                    shop_id=next(iter(shops)),  # the primary shop: the first site's
                    shops=shops,
                    request_id=request_id,
                    started=started,
                )
        except InvalidPayload as exc:
            _record_rejection(services, event, exc.message, request_id, started)
            observe_webhook("rejected")
            raise
        except IntegrityError:
            # A concurrent delivery of the same event won the race on the idempotency key;
            # the second pass sees it and answers "duplicate".
            if attempt == 1:
                raise
    raise AssertionError("unreachable")


def _record_rejection(
    services: Services, event: IncomingEvent, error: str, request_id: str | None, started: float
) -> None:
    with database_errors(), write_connection(services.engine) as connection:
        log_rejection(
            connection,
            error=error,
            event_type=event.event_type,
            product_id=event.product_id,
            request_id=request_id,
            processing_ms=(time.perf_counter() - started) * 1000,
        )
