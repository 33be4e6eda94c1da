"""``GET /healthz`` (liveness) and ``GET /readyz`` (readiness), kept apart.

``/healthz`` only says the process serves: it touches neither the database nor a thread pool, so
it answers from the first second of a start and while slow clients or a database outage keep
everything else busy (an orchestrator must not restart a server the database let down).
``/readyz`` says whether it can do its work — the database migrated and answering, the model and
the index loaded — and names what is missing.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy import text

from vitrina.http.deps import ServicesDep
from vitrina.http.readiness import DATABASE, PARTS
from vitrina.http.state import Services

router = APIRouter(tags=["health"])
READY_RETRY_AFTER_S = 2


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """``{"status": "ok"}`` while the process serves requests."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "Starting, or the database is down."}})
async def readyz(services: ServicesDep) -> JSONResponse:
    """200 ``ready`` when the database answers and the model and index are loaded; otherwise 503
    with ``Retry-After`` and what is missing (``{"missing": {"index": "loading"}}``)."""
    missing = services.readiness.missing()
    if DATABASE not in missing:
        problem = await run_in_threadpool(_database_problem, services)
        if problem:
            missing[DATABASE] = problem
    ready = [part for part in PARTS if part not in missing]
    if not missing:
        return JSONResponse({"status": "ready", "ready": ready, "missing": {}})
    status = "unavailable" if services.readiness.is_ready(DATABASE) else "starting"
    return JSONResponse(
        {"status": status, "ready": ready, "missing": missing},
        status_code=503,
        headers={"Retry-After": str(READY_RETRY_AFTER_S)},
    )


def _database_problem(services: Services) -> str | None:
    """``None`` when the database answers a trivial query, else why not (one line)."""
    try:
        with services.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as error:  # any failure to answer is "not ready", with its reason
        first = str(getattr(error, "orig", None) or error).strip().splitlines()
        return f"unreachable: {first[0] if first else type(error).__name__}"
    return None
