"""The one retry rule every client and the job queue share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from hypothesis import given
from hypothesis import strategies as st

from vitrina.retry import MAX_RETRY_AFTER_S, backoff_delay, parse_retry_after


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
