"""Per-chat rate limit and a bound on the bot's concurrent searches.

One chat sending a flood of photos must not hold everyone else up: past its quota it is told
«Подождите немного» at once. At most ``concurrency`` searches run at a time (each holds a photo
and a search slot); up to ``WAITING_PER_SLOT`` photos per slot wait their turn in arrival order,
and past that queue a photo is answered «Подождите немного» instead of waiting unseen for
minutes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from vitrina.http.ratelimit import TokenBucketLimiter

WAITING_PER_SLOT = 4  # 4 slots: 16 customers queue, ~5 s at the bot's pace on two cores


class ChatLimits:
    """``rate`` searches a second per chat (bursts up to ``burst``), ``concurrency`` at once."""

    def __init__(self, rate: float, burst: int, concurrency: int) -> None:
        self._per_chat = TokenBucketLimiter(rate, burst)
        self._slots = asyncio.Semaphore(concurrency)
        self._max_waiting = concurrency * WAITING_PER_SLOT
        self._waiting = 0

    @asynccontextmanager
    async def search_slot(self, chat_id: int) -> AsyncIterator[bool]:
        """Yields ``True`` once a slot is held for this chat's search, ``False`` at once when the
        chat is over its quota or the queue is full (the caller answers «Подождите немного»)."""
        if self._waiting >= self._max_waiting or self._per_chat.acquire(str(chat_id)) is not None:
            yield False
            return
        # One event loop: the check above and this increment cannot interleave.
        self._waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self._waiting -= 1
        try:
            yield True
        finally:
            self._slots.release()
