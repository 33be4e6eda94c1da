"""Admin endpoints for the queue: reindex one product or a shop, list and retry dead jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict

from vitrina.catalog.repository import get_product, shops_of
from vitrina.db import database_errors, write_session
from vitrina.errors import InvalidPayload, NotFound, ServiceUnavailable
from vitrina.http.bounds import RowId
from vitrina.http.deps import AdminDep, ReadSession, ServicesDep
from vitrina.http.errors import ErrorResponse
from vitrina.jobs import queue
from vitrina.jobs.models import Job

router = APIRouter(tags=["admin"])
_ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorResponse} for code in (401, 404, 422, 503)
}


class JobOut(BaseModel):
    """A job as operators see it."""

    id: int
    product_id: int
    shop_id: int | None
    state: str
    attempts: int
    last_error: str | None
    outcome: str | None
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, job: Job) -> JobOut:
        return cls.model_validate(job, from_attributes=True)


class ReindexOne(BaseModel):
    """The original system's ``/reindex-one`` body."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"product_id": 698977}]})

    product_id: RowId
    shop_id: RowId | None = None


class ReindexOneResult(BaseModel):
    status: str
    product_id: int
    outcome: str | None = None


class ReindexAll(BaseModel):
    """A whole shop, or (``stale_only``) every product whose vectors another model made."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"shop_id": 1}, {"stale_only": True}]}
    )

    shop_id: RowId | None = None
    stale_only: bool = False


class ReindexAllResult(BaseModel):
    queued: int


@router.post(
    "/api/v1/reindex-one", status_code=202, response_model=ReindexOneResult, responses=_ERRORS
)
async def reindex_one(
    body: ReindexOne, services: ServicesDep, _: AdminDep, wait: bool = False
) -> ReindexOneResult:
    """Queue a reindex of one product (``?wait=true`` runs it now and returns the outcome)."""

    def run() -> ReindexOneResult:
        with database_errors(), write_session(services.sessions) as session:
            product = get_product(session, body.product_id)
            if product is None:
                raise NotFound(f"product {body.product_id} not found")
            shops = shops_of(session, product.id)
            if body.shop_id is not None and body.shop_id not in shops:
                named = ", ".join(str(shop) for shop in shops)
                raise InvalidPayload(
                    f"shop_id: product {body.product_id} is in shop {named}, not {body.shop_id}",
                    field="shop_id",
                )
            if not wait:
                queue.enqueue_reindex(session.connection(), product.id, product.shop_id)
        if wait:
            from vitrina.jobs.reindex import reindex_product

            context = services.indexing
            if context is None:
                raise ServiceUnavailable("Indexing is not available in this process.")
            outcome = reindex_product(context, body.product_id)
            return ReindexOneResult(status="done", product_id=body.product_id, outcome=outcome)
        services.wake_worker()
        return ReindexOneResult(status="queued", product_id=body.product_id)

    return await run_in_threadpool(run)


@router.post("/api/v1/reindex", status_code=202, response_model=ReindexAllResult, responses=_ERRORS)
def reindex_all(body: ReindexAll, services: ServicesDep, _: AdminDep) -> ReindexAllResult:
    """Queue reindex jobs for a shop's enabled products, or those not yet embedded by this model."""
    model = services.embedder_name
    with database_errors(), write_session(services.sessions) as session:
        ids = queue.enqueue_products(
            session, model, shop_id=body.shop_id, stale_only=body.stale_only
        )
    services.wake_worker()
    return ReindexAllResult(queued=len(ids))


@router.get("/api/v1/jobs", response_model=list[JobOut], responses=_ERRORS)
def jobs(
    session: ReadSession,
    _: AdminDep,
    state: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[JobOut]:
    """Newest jobs first (``?state=dead`` for the ones that need a look)."""
    return [JobOut.of(job) for job in queue.list_jobs(session, state=state, limit=limit)]


@router.post("/api/v1/jobs/{job_id}/retry", response_model=JobOut, responses=_ERRORS)
def retry_job(job_id: RowId, services: ServicesDep, _: AdminDep) -> JobOut:
    """Put a dead job back in the queue."""
    with database_errors(), write_session(services.sessions) as session:
        job = queue.retry_dead(session, job_id)
        if job is None:
            raise NotFound(f"job {job_id} not found or not dead")
        out = JobOut.of(job)
    services.wake_worker()
    return out
