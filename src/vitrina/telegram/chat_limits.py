"""Per-chat rate limit and a bound on the bot's concurrent searches.

One chat sending a flood of photos, or many chats at once, must not queue searches behind each
other for minutes: past its quota a chat is told «Подождите немного» right away, and a search
starts only when one of ``concurrency`` slots is free (the others get the same answer instead of
waiting unseen).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from vitrina.http.ratelimit import TokenBucketLimiter


class ChatLimits:
    """``rate`` searches a second per chat (bursts up to ``burst``), ``concurrency`` at once."""

    def __init__(self, rate: float, burst: int, concurrency: int) -> None:
        self._per_chat = TokenBucketLimiter(rate, burst)
        self._slots = concurrency
        self._busy = 0

    @asynccontextmanager
    async def search_slot(self, chat_id: int) -> AsyncIterator[bool]:
        """Yields ``True`` with a slot taken for this chat's search, ``False`` when the chat is
        over its quota or every slot is busy (the caller answers «Подождите немного»)."""
        if self._busy >= self._slots or self._per_chat.acquire(str(chat_id)) is not None:
            yield False
            return
        # Single-threaded event loop: the check above and this increment cannot interleave.
        self._busy += 1
        try:
            yield True
        finally:
            self._busy -= 1
