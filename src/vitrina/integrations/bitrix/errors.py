"""Errors the Bitrix client raises, in Vitrina's hierarchy so the CLI and the API render them once.

They all carry the ``url`` that failed (never the token) and ``permanent``, which tells a job or
the importer whether trying again later can help.
"""

from __future__ import annotations

import httpx

from vitrina.errors import ServiceUnavailable, Unauthorized, VitrinaError
from vitrina.retry import Transient, parse_retry_after


class BitrixError(VitrinaError):
    """The Bitrix shop answered with something Vitrina cannot use."""

    # An upstream problem, not the caller's: 502, except BitrixUnavailable's 503 (with the
    # shop's Retry-After): that one says "try again later".
    status_code = 502
    code = "bitrix_error"
    permanent = True

    def __init__(
        self,
        message: str | None = None,
        *,
        url: str | None = None,
        status: int | None = None,
    ) -> None:
        self.url = url
        self.status = status
        super().__init__(message)


class BitrixAuthError(BitrixError, Unauthorized):
    """The Bitrix shop refused the API token; check the token in Vitrina's settings."""

    code = "bitrix_unauthorized"


class BitrixUnavailable(BitrixError, ServiceUnavailable):
    """The Bitrix shop cannot be reached or keeps failing; try again later."""

    status_code = 503
    code = "bitrix_unavailable"
    permanent = False

    def __init__(
        self,
        message: str | None = None,
        *,
        url: str | None = None,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(message, url=url, status=status)


def busy_answer(response: httpx.Response, message: str, url: str) -> Transient | None:
    """A 429 or 5xx answer, worth trying again, as the :class:`Transient` an attempt raises
    (a :class:`BitrixUnavailable` with ``message`` and the server's ``Retry-After``); None for
    any other status. One rule for both Bitrix clients."""
    status = response.status_code
    if status != 429 and status < 500:
        return None
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    error = BitrixUnavailable(message, url=url, status=status, retry_after=retry_after)
    return Transient(error, retry_after)
