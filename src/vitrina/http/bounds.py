"""Integer types for values from outside that reach the database, bounded to what it stores.

Python integers have no size; SQLite's INTEGER and PostgreSQL's BIGINT stop at 2**63 - 1, and a
bigger id used to fail as a 500 deep in the driver. Bounded at the boundary, it is a 422 naming
the field and the value. Pydantic's integer parsing also takes only ASCII digits, so ``"٤٢"``
is not product 42.
"""

from __future__ import annotations

from typing import Annotated

import annotated_types as at

from vitrina.db import MAX_BIGINT, MAX_PRICE_MINOR

RowId = Annotated[int, at.Interval(ge=1, le=MAX_BIGINT)]
"""A product, shop or job id."""

RowOffset = Annotated[int, at.Interval(ge=0, le=MAX_BIGINT)]
"""How many rows a listing skips (a SQL ``OFFSET``)."""

PriceMinor = Annotated[int, at.Interval(ge=0, le=MAX_PRICE_MINOR)]
"""A price filter in minor units."""
