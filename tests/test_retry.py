"""The one retry rule every client and the job queue share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vitrina.retry import (
    MAX_RETRY_AFTER_S,
    Retries,
    Transient,
    backoff_delay,
    parse_retry_after,
)


def test_retry_after_in_seconds_or_as_a_date():
    now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    assert parse_retry_after("7", now=now) == 7.0
    assert parse_retry_after(" 1.5 ", now=now) == 1.5
    later = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(later, now=now) == 30.0
    earlier = format_datetime(now - timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(earlier, now=now) == 0.0
    assert parse_retry_after("999999999", now=now) == MAX_RETRY_AFTER_S
    for unreadable in (None, "", "soon", "-3 days"):
        assert parse_retry_after(unreadable, now=now) is None


@given(attempt=st.integers(0, 40), base=st.floats(0.01, 10), cap=st.floats(0.1, 1000))
def test_backoff_grows_with_equal_jitter_under_the_cap(attempt, base, cap):
    step = min(cap, base * 2.0**attempt)
    assert step / 2 <= backoff_delay(attempt, base=base, cap=cap) <= step


@given(retry_after=st.floats(0, 10_000), cap=st.floats(0.1, 1000))
def test_a_server_asking_for_a_wait_gets_it_capped(retry_after, cap):
    assert backoff_delay(3, base=1, cap=cap, retry_after=retry_after) == min(retry_after, cap)


@given(count=st.integers(0, 6), failures=st.integers(0, 10))
def test_retries_try_count_more_times_then_raise_the_last_failure(count, failures):
    waits: list[float] = []
    calls: list[int] = []

    def attempt(n: int) -> str:
        calls.append(n)
        if n < failures:
            raise Transient(TimeoutError(f"attempt {n}"), retry_after=0.25)
        return "done"

    retries = Retries(count, sleep=waits.append)
    if failures <= count:
        assert retries.run(attempt) == "done"
        assert calls == list(range(failures + 1))
    else:
        with pytest.raises(TimeoutError, match=f"attempt {count}"):
            retries.run(attempt)
        assert calls == list(range(count + 1))
    assert waits == [0.25] * (len(calls) - 1)  # the server's wish, each time


def test_a_failure_that_is_not_transient_is_not_retried():
    calls: list[int] = []

    def attempt(n: int) -> None:
        calls.append(n)
        raise PermissionError("wrong token")

    with pytest.raises(PermissionError):
        Retries(5, sleep=lambda _: None).run(attempt)
    assert calls == [0]
