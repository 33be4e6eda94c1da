"""Waiting for something a live server or a worker does, without guessing a sleep."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(
    check: Callable[[], T], *, timeout: float = 60.0, interval: float = 0.05, what: str = ""
) -> T:
    """Call ``check`` until it returns a truthy value, and return that value.

    ``check`` may also raise ``AssertionError`` to say "not yet"; the last such error is raised
    when ``timeout`` runs out, so a failure shows what was seen rather than only that time ran
    out. The timeout is a safety net for a hung test, never a statement about speed.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = check()
        except AssertionError:
            if time.monotonic() >= deadline:
                raise
        else:
            if value:
                return value
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"{what or 'condition'} not reached within {timeout:g} s (last: {value!r})"
                )
        time.sleep(interval)
