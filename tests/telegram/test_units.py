"""The bot's pure parts: retrying the Bot API, reading callback data, choosing the language."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram.error import BadRequest, NetworkError, RetryAfter

from vitrina.telegram.answers import parse_callback
from vitrina.telegram.api_retries import RetryingRequests
from vitrina.telegram.i18n import language_of


def run_with_failures(
    failures: list[Exception], attempts: int = 6
) -> tuple[object, list[float], int]:
    waits: list[float] = []
    calls = 0

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    async def callback() -> dict[str, object]:
        nonlocal calls
        calls += 1
        if failures:
            raise failures.pop(0)
        return {"message_id": 1}

    retries = RetryingRequests(attempts=attempts, backoff_s=0.5, sleep=sleep)
    result = asyncio.run(retries.process_request(callback, (), {}, "sendMessage", {}, None))
    return result, waits, calls


def test_a_429_is_retried_after_the_retry_after_it_gave():
    result, waits, calls = run_with_failures([RetryAfter(7), RetryAfter(2)])
    assert result == {"message_id": 1} and waits == [7.0, 2.0] and calls == 3


def test_an_outage_is_retried_with_growing_waits():
    _, waits, calls = run_with_failures([NetworkError("Bad Gateway"), NetworkError("timed out")])
    assert waits == [0.5, 1.0] and calls == 3


def test_what_retrying_cannot_fix_is_raised_at_once():
    with pytest.raises(BadRequest):
        run_with_failures([BadRequest("chat not found")])
    with pytest.raises(NetworkError):
        run_with_failures([NetworkError("down")] * 3, attempts=3)


@given(st.text(max_size=80))
def test_callback_data_from_the_app_never_breaks_the_bot(data):
    parsed = parse_callback(data)
    assert parsed is None or (parsed[0] in ("more", "order") and min(parsed[1:]) >= 0)


def test_callback_data_the_bot_made_is_read_back():
    assert parse_callback("more:501:1") == ("more", 501, 1)
    assert parse_callback("order:0:17") == ("order", 0, 17)
    assert parse_callback("order:-1:2") is None and parse_callback("more:1") is None


@pytest.mark.parametrize(
    ("code", "language"),
    [("kk", "kk"), ("en-US", "en"), ("ru", "ru"), ("de", "ru"), (None, "ru"), ("KK", "kk")],
)
def test_language_from_telegrams_language_code(code, language):
    assert language_of(code) == language
