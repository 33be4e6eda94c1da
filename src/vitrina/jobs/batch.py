"""What a worker holds between claiming jobs and recording their outcome (``jobs/worker.py``).

Plain tuples, outside the database session: the claiming transaction has closed by the time a
batch's photos are downloaded and embedded on other threads.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from vitrina.jobs.reindex import Work


class Claimed(NamedTuple):
    """What the worker keeps of a claimed job once the claiming transaction has closed."""

    job_id: int
    product_id: int
    request_id: str | None
    started_at: datetime | None


class Batch(NamedTuple):
    """Claimed jobs with their photos downloaded (or the error that stopped the download)."""

    jobs: list[Claimed]
    works: list[Work]
    error: Exception | None
    started: float
