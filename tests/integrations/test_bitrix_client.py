"""The Bitrix client against the stand-in over real HTTP: paging, detail, retries, clear errors."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integrations.conftest import SHOP_SIZE, TOKEN
from vitrina.errors import ServiceUnavailable, Unauthorized
from vitrina.integrations.bitrix.client import BitrixClient
from vitrina.integrations.bitrix.errors import BitrixAuthError, BitrixError, BitrixUnavailable
from vitrina.retry import Retries
from vitrina.standin.server import StandIn


def client_for(shop: StandIn, *, token: str = TOKEN, **options: object) -> BitrixClient:
    return BitrixClient(shop.base_url, token, **options)  # type: ignore[arg-type]


def api_requests(shop: StandIn) -> int:
    return sum(record.path.startswith("/api/") for record in shop.requests)


# --- reading the catalog -------------------------------------------------------------------------


def test_iter_products_returns_every_product_exactly_as_the_api_sends_it(shop: StandIn) -> None:
    with client_for(shop) as client:
        assert list(client.iter_products()) == shop.products


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(limit=st.integers(1, 100), start=st.integers(0, SHOP_SIZE + 5))
def test_pages_resume_from_any_offset_without_gaps_or_repeats(
    shop: StandIn, limit: int, start: int
) -> None:
    with client_for(shop) as client:
        pages = list(client.iter_pages(limit=limit, offset=start))
    assert [p.offset for p in pages[1:]] == [p.next_offset for p in pages[:-1]]
    assert all(page.total == SHOP_SIZE for page in pages)
    assert [page.has_more for page in pages] == [True] * (len(pages) - 1) + [False]
    ids = [product["id"] for page in pages for product in page.products]
    assert ids == shop.product_ids[start:]


def test_filters_are_passed_to_the_shop(shop: StandIn) -> None:
    with client_for(shop) as client:
        ready = list(client.iter_products(type="vitrina", is_available=True))
    assert ready
    assert ready == [p for p in shop.products if p["type"] == "vitrina" and p["isAvailable"]]


def test_get_product_returns_the_detail_or_none(shop: StandIn) -> None:
    product_id = shop.product_ids[17]
    with client_for(shop) as client:
        assert client.get_product(product_id) == shop.product(product_id)
        assert client.get_product(1) is None


def test_a_base_url_with_a_trailing_slash_works(shop: StandIn) -> None:
    with BitrixClient(shop.base_url + "/", TOKEN) as client:
        assert client.get_page(limit=1).total == SHOP_SIZE


def test_out_of_range_limits_are_refused_before_asking(shop: StandIn) -> None:
    with client_for(shop) as client, pytest.raises(ValueError, match="limit"):
        client.get_page(limit=101)


# --- transient failures are retried --------------------------------------------------------------


def test_5xx_answers_are_retried_with_growing_backoff(fresh_shop: StandIn) -> None:
    fresh_shop.fail_next(3, status=503)
    sleeps: list[float] = []
    with client_for(fresh_shop, retries=Retries(sleep=sleeps.append, backoff=0.2)) as client:
        assert len(client.get_page(limit=5).products) == 5
    assert api_requests(fresh_shop) == 4
    assert len(sleeps) == 3
    # Equal jitter: each wait is between half and all of 0.2, 0.4, 0.8 s.
    for wait, step in zip(sleeps, (0.2, 0.4, 0.8), strict=True):
        assert step / 2 <= wait <= step


def test_429_waits_as_long_as_retry_after_says(fresh_shop: StandIn) -> None:
    fresh_shop.fail_next(1, status=429, retry_after=7)
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    fresh_shop.fail_next(1, status=503, retry_after=when)
    sleeps: list[float] = []
    with client_for(fresh_shop, retries=Retries(sleep=sleeps.append)) as client:
        assert client.get_product(fresh_shop.product_ids[0]) is not None
    assert sleeps[0] == 7
    assert 25 <= sleeps[1] <= 30


def test_retry_after_longer_than_the_cap_is_capped(fresh_shop: StandIn) -> None:
    fresh_shop.fail_next(1, status=429, retry_after=3600)
    sleeps: list[float] = []
    with client_for(fresh_shop, retries=Retries(sleep=sleeps.append, max_backoff=5)) as client:
        client.get_page()
    assert sleeps == [5]


def test_a_timeout_is_retried(fresh_shop: StandIn) -> None:
    fresh_shop.fail_next(1, status=None, delay=1.0)
    with client_for(fresh_shop, timeout=0.3, retries=Retries(sleep=lambda _: None)) as client:
        assert client.get_page(limit=2).total == 12


def test_a_shop_that_keeps_failing_gives_a_clear_unavailable_error(fresh_shop: StandIn) -> None:
    fresh_shop.fail_next(10, status=502, retry_after=1)
    with client_for(fresh_shop, retries=Retries(2, sleep=lambda _: None)) as client, \
            pytest.raises(BitrixUnavailable) as caught:
        client.get_page()
    error = caught.value
    assert isinstance(error, ServiceUnavailable)
    assert error.status == 502
    assert error.retry_after == 1
    assert error.permanent is False
    assert error.url == f"{fresh_shop.base_url}/api/v2/products/"
    assert "HTTP 502" in error.message and fresh_shop.base_url in error.message
    assert api_requests(fresh_shop) == 3


def test_a_shop_that_keeps_timing_out_says_so(fresh_shop: StandIn) -> None:
    fresh_shop.fail_next(3, status=None, delay=0.6)
    with client_for(fresh_shop, timeout=0.2, retries=Retries(1, sleep=lambda _: None)) as client, \
            pytest.raises(BitrixUnavailable, match=r"did not answer within 0\.2 s"):
        client.get_page()


def test_an_unreachable_shop_is_named_in_the_error() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with BitrixClient(url, TOKEN, retries=Retries(1, sleep=lambda _: None)) as client, \
            pytest.raises(BitrixUnavailable) as caught:
        client.get_page()
    assert f"Cannot reach Bitrix at {url}/api/v2/products/" in caught.value.message


# --- permanent failures are not --------------------------------------------------------------


def test_a_wrong_token_is_an_auth_error_and_not_retried(fresh_shop: StandIn) -> None:
    with client_for(fresh_shop, token="wrong") as client, pytest.raises(BitrixAuthError) as caught:
        list(client.iter_products())
    assert isinstance(caught.value, Unauthorized)
    assert caught.value.status == 401
    assert caught.value.permanent is True
    assert "token" in caught.value.message
    assert "wrong" not in caught.value.message  # the token itself never lands in logs
    assert api_requests(fresh_shop) == 1


def test_a_403_is_an_auth_error_too(fresh_shop: StandIn) -> None:
    fresh_shop.fail_next(1, status=403)
    with client_for(fresh_shop) as client, pytest.raises(BitrixAuthError):
        client.get_product(fresh_shop.product_ids[0])


def test_a_url_without_the_api_says_to_check_the_address(fresh_shop: StandIn) -> None:
    with BitrixClient(fresh_shop.base_url + "/elsewhere", TOKEN) as client:
        with pytest.raises(BitrixError, match="check the shop address"):
            client.get_page()
        with pytest.raises(BitrixError, match="check the shop address"):
            client.get_product(1)


def test_a_rejected_request_carries_the_shops_message(fresh_shop: StandIn) -> None:
    with client_for(fresh_shop) as client, pytest.raises(BitrixError, match="type must be"):
        client.get_page(type="wholesale")  # type: ignore[arg-type]


def test_a_non_http_address_is_refused_up_front() -> None:
    with pytest.raises(BitrixError, match="http"):
        BitrixClient("shop.example", TOKEN)
