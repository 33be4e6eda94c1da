"""Multi-site shops: a webhook's ``product_data.siteId`` picks the Vitrina shop."""

from __future__ import annotations

import pytest

from tests.conftest import SECRET
from tests.support.webhooks import sample_product, send
from vitrina.config import load_settings
from vitrina.errors import ConfigurationError


@pytest.fixture
def client(live_app, sqlite_url):
    with live_app(sqlite_url, bitrix_site_shops="s1=1,s2=7") as c:
        yield c


def test_site_id_maps_to_its_shop(client):
    assert (
        send(client, "created", sample_product(id=11, siteId="s1"), secret=SECRET).status_code
        == 200
    )
    assert (
        send(client, "created", sample_product(id=12, siteId="s2"), secret=SECRET).status_code
        == 200
    )
    assert client.get("/api/v1/products/11").json()["shop_id"] == 1
    assert client.get("/api/v1/products/12").json()["shop_id"] == 7
    assert client.get("/api/v1/products", params={"shop_id": 7}).json()["total"] == 1


def test_a_product_without_site_goes_to_the_default_shop(client):
    send(client, "created", sample_product(id=13), secret=SECRET)
    assert client.get("/api/v1/products/13").json()["shop_id"] == 1


def test_an_unmapped_site_is_refused_naming_the_field_and_changes_nothing(client):
    response = send(client, "created", sample_product(id=14, siteId="s3"), secret=SECRET)
    assert response.status_code == 422
    detail = response.text
    assert (
        "product_data.siteId" in detail
        and "'s3'" in detail
        and "VITRINA_BITRIX_SITE_SHOPS" in detail
    )
    assert client.get("/api/v1/products/14").status_code == 404


def test_without_a_mapping_every_site_goes_to_the_default_shop(live_app, sqlite_url):
    with live_app(sqlite_url, default_shop_id=3) as c:
        send(c, "created", sample_product(id=15, siteId="s9"), secret=SECRET)
        assert c.get("/api/v1/products/15").json()["shop_id"] == 3


@pytest.mark.parametrize("value", ["s1", "s1=x", "=2", "s1=1,s2"])
def test_a_malformed_site_mapping_is_a_clear_configuration_error(value):
    with pytest.raises(ConfigurationError, match="VITRINA_BITRIX_SITE_SHOPS"):
        load_settings(bitrix_site_shops=value)


def test_the_site_mapping_reads_from_the_environment(monkeypatch):
    monkeypatch.setenv("VITRINA_BITRIX_SITE_SHOPS", " s1=1 , s2=2 ")
    assert load_settings().bitrix_site_shops == {"s1": 1, "s2": 2}
