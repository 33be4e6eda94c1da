"""A running Bitrix stand-in on 127.0.0.1 for the integration tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from vitrina.standin.server import StandIn

TOKEN = "test-bitrix-token"
SHOP_SIZE = 237  # not a multiple of any page size, so the last page is a short one


@pytest.fixture(scope="module")
def shop() -> Iterator[StandIn]:
    """A read-only shop shared by a module's tests (tests that change it use ``fresh_shop``)."""
    with StandIn(SHOP_SIZE, token=TOKEN, seed=7) as standin:
        yield standin


@pytest.fixture
def fresh_shop() -> Iterator[StandIn]:
    """A small shop of the test's own, to change, spoil or restart."""
    with StandIn(12, token=TOKEN, seed=11) as standin:
        yield standin
