"""Every call to the Bot API retried through Telegram's 429 and through outages.

python-telegram-bot routes each request through a rate limiter object; this one throttles
nothing and only retries: after ``RetryAfter`` (HTTP 429) it waits the ``retry_after`` the Bot API
asked for, after a network error or a 5xx it backs off, a bounded number of times. Errors that
retrying cannot fix (400 Bad Request, 403 the customer blocked the bot) are raised at once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import warnings
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger("vitrina.telegram")

JSONResult = bool | dict[str, Any] | list[dict[str, Any]]
MAX_ATTEMPTS = 6
MAX_WAIT_S = 60.0  # a 429 asking for longer is not waited for: the customer has moved on


def retry_after_seconds(error: RetryAfter) -> float:
    """The wait the Bot API asked for, in seconds (PTB gives an int or a timedelta)."""
    with warnings.catch_warnings():
        # PTB 22 warns that the int becomes a timedelta in its next major version: both are read.
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


class RetryingRequests(BaseRateLimiter[None]):
    """Retry 429s after ``retry_after`` and outages with backoff; ``sleep`` is injectable so a
    test can count the waits instead of sleeping them."""

    def __init__(
        self,
        *,
        attempts: int = MAX_ATTEMPTS,
        backoff_s: float = 0.5,
        sleep: Callable[[float], Coroutine[Any, Any, None]] = asyncio.sleep,
    ) -> None:
        self.attempts = attempts
        self.backoff_s = backoff_s
        self._sleep = sleep

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> JSONResult:
        """Call the Bot API, retrying what a wait can fix."""
        for attempt in range(1, self.attempts + 1):
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                wait = retry_after_seconds(error)
                if attempt == self.attempts or wait > MAX_WAIT_S:
                    raise
                log.info("telegram: %s got 429, retrying after %.1f s", endpoint, wait)
            except (BadRequest, Forbidden, InvalidToken):
                raise
            except NetworkError as error:
                if attempt == self.attempts:
                    raise
                wait = min(self.backoff_s * 2 ** (attempt - 1), 10.0)
                log.warning("telegram: %s failed (%s), retrying in %.1f s", endpoint, error, wait)
            await self._sleep(wait)
        raise AssertionError("unreachable: the last attempt returns or raises")
