"""``POST /api/v1/leads`` (public: the widget and the search page) and ``GET /api/v1/leads``
(admin). A lead is stored in one transaction and the sender is woken: the shop hears of it
within seconds, and a lead is never lost to a shop endpoint that is down."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from vitrina.config import Settings
from vitrina.db import database_errors, write_session
from vitrina.errors import BadRequest, InvalidPayload, RateLimited
from vitrina.http.deps import AdminDep, ReadSession, ServicesDep, client_address
from vitrina.http.errors import ErrorResponse, describe_validation_error
from vitrina.http.json_body import loads_strict
from vitrina.http.ratelimit import TokenBucketLimiter
from vitrina.http.state import Services
from vitrina.leads import service
from vitrina.leads.schemas import LeadAccepted, LeadRequest, LeadView
from vitrina.leads.sender import LeadSender

router = APIRouter(tags=["leads"])
# A person sends one request, maybe two after a typo: 5 at once, then one a minute per address.
LEAD_RATE_PER_S = 1 / 60
LEAD_BURST = 5
# The widget sends the photo downsized (1024 px, a few hundred kB); the body limit is 1 MiB.
PHOTO_MAX_BYTES = 900 * 1024
_FIELDS = tuple(LeadRequest.model_fields)
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse} for code in (400, 403, 413, 415, 422, 429, 503)
}
_BODY = {
    "requestBody": {
        "content": {
            "application/json": {"schema": LeadRequest.model_json_schema()},
            "multipart/form-data": {
                "examples": {
                    "with a photo": {
                        "value": {
                            "name": "Айгерим",
                            "phone": "+7 701 234 56 78",
                            "comment": "Такой же, но в розовых тонах",
                            "photo_consent": "true",
                            "photo": "(photo.jpg)",
                        }
                    }
                }
            },
        }
    }
}


async def _read(request: Request) -> tuple[dict[str, Any], bytes | None]:
    """The fields (JSON or multipart/urlencoded form) and the photo, if one was sent."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json":
        document = loads_strict(await request.body())
        if not isinstance(document, dict):
            raise InvalidPayload("body: expected a JSON object", field="body")
        return document, None
    if kind not in ("multipart/form-data", "application/x-www-form-urlencoded"):
        raise BadRequest(
            f"Content-Type: send application/json or multipart/form-data (got {kind or 'none'!r})"
        )
    fields: dict[str, Any] = {}
    photo: bytes | None = None
    async with request.form(max_files=1, max_fields=len(_FIELDS) + 2) as form:
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                if key != "photo":
                    raise InvalidPayload(f"{key}: only 'photo' may be a file", field=key)
                photo = await value.read(PHOTO_MAX_BYTES + 1)
            elif key in _FIELDS:
                fields[key] = value if value != "" else None
    if fields.get("photo_consent") is None:
        fields.pop("photo_consent", None)
    return fields, photo or None


def _validated(fields: dict[str, Any]) -> LeadRequest:
    try:
        return LeadRequest.model_validate(fields)
    except ValidationError as exc:
        message, field = describe_validation_error(list(exc.errors()))
        raise InvalidPayload(message, field=field) from None


@router.post(
    "/api/v1/leads",
    status_code=201,
    response_model=LeadAccepted,
    responses=_ERRORS,
    openapi_extra=_BODY,
)
async def create_lead_route(request: Request, services: ServicesDep) -> LeadAccepted:
    """«Закажите похожий»: a customer leaves her name and phone (and, if she agrees, her photo).

    JSON or multipart. Required: `name`, `phone`; optional `comment` (≤ 2000), `language`,
    `page_url`, `product_id` (a sold-out product), `search_id`, and `photo` (multipart, with
    `photo_consent=true`, at most 900 kB). Forwarded to the shop as a signed `lead.created`
    webhook. Rate-limited per address (429 with `Retry-After`).
    """
    limiter: TokenBucketLimiter = request.app.state.lead_limiter
    wait = limiter.acquire(client_address(request))
    if wait is not None:
        raise RateLimited(
            f"Too many requests from your address; try again in {math.ceil(wait)} s.",
            retry_after=wait,
        )
    fields, photo_bytes = await _read(request)
    lead_request = _validated(fields)
    settings = services.settings
    photo = (
        service.LeadPhoto.check(
            photo_bytes,
            max_bytes=min(PHOTO_MAX_BYTES, settings.image_max_bytes),
            max_pixels=settings.image_max_pixels,
        )
        if photo_bytes is not None
        else None
    )
    sender: LeadSender | None = request.app.state.lead_sender

    def store() -> LeadAccepted:
        with database_errors(), write_session(services.sessions) as session:
            forwarded = sender is not None and sender.forwards
            lead = service.create_lead(session, lead_request, photo, forwarded=forwarded)
            return LeadAccepted(id=lead.id, status=lead.status)

    accepted = await run_in_threadpool(store)
    if sender is not None:
        sender.wakeup.set()
    return accepted


@router.get("/api/v1/leads", response_model=list[LeadView], responses=_ERRORS)
def list_leads(
    session: ReadSession, _: AdminDep, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[LeadView]:
    """The newest leads with their delivery status (admin)."""
    return service.recent_leads(session, limit)


def build_lead_sender(settings: Settings, services: Services) -> LeadSender:
    """The sender: it forwards when ``VITRINA_LEAD_WEBHOOK_URL`` is set, and always removes
    photos past ``VITRINA_LEAD_PHOTO_RETENTION_DAYS``."""
    return LeadSender(
        services.sessions,
        settings.lead_webhook_url,
        settings.lead_webhook_secret,
        photo_retention=timedelta(days=settings.lead_photo_retention_days),
    )


def install_leads(app: FastAPI) -> None:
    """The routes and the per-address limiter; the sender is started in the lifespan."""
    app.state.lead_limiter = TokenBucketLimiter(rate=LEAD_RATE_PER_S, burst=LEAD_BURST)
    app.state.lead_sender = None
    app.include_router(router)
