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


# --- a product in several sites (an info block bound to several) ------------------------------

TWO_SITES = [
    {"siteId": "s1", "url": "https://a.kz/catalog/roses/21/"},
    {"siteId": "s2", "url": "https://b.kz/catalog/roses/21/"},
]


def listed_ids(client, shop_id):
    body = client.get("/api/v1/products", params={"shop_id": shop_id}).json()
    return [item["id"] for item in body["items"]]


def test_a_product_of_two_sites_is_listed_in_each_shop_and_its_first_is_the_primary(client):
    product = sample_product(id=21, siteId="s1", sites=TWO_SITES, url=TWO_SITES[0]["url"])
    assert send(client, "created", product, secret=SECRET).status_code == 200
    send(client, "created", sample_product(id=22, siteId="s2"), secret=SECRET)
    assert listed_ids(client, 1) == [21]
    assert listed_ids(client, 7) == [21, 22]
    shown = client.get("/api/v1/products/21").json()
    assert shown["shop_id"] == 1 and shown["page_url"] == "https://a.kz/catalog/roses/21/"


def test_an_update_without_a_site_takes_the_product_out_of_that_shop(client):
    two = sample_product(id=23, siteId="s1", sites=TWO_SITES)
    assert send(client, "created", two, secret=SECRET).status_code == 200
    one = sample_product(id=23, siteId="s2", sites=TWO_SITES[1:])
    assert send(client, "updated", one, secret=SECRET).status_code == 200
    assert listed_ids(client, 1) == []
    assert listed_ids(client, 7) == [23]
    shown = client.get("/api/v1/products/23").json()
    assert shown["shop_id"] == 7 and shown["page_url"] == "https://b.kz/catalog/roses/21/"


def test_sites_the_mapping_does_not_know_are_left_out(client):
    sites = [{"siteId": "s9", "url": "https://c.kz/p/24/"}, *TWO_SITES[1:]]
    product = sample_product(id=24, siteId="s9", sites=sites)
    assert send(client, "created", product, secret=SECRET).status_code == 200
    shown = client.get("/api/v1/products/24").json()
    assert shown["shop_id"] == 7 and shown["page_url"] == "https://b.kz/catalog/roses/21/"
    assert listed_ids(client, 1) == []


def test_a_product_of_no_mapped_site_is_refused_naming_the_sites_and_changes_nothing(client):
    sites = [{"siteId": "s8"}, {"siteId": "s9"}]
    response = send(
        client, "created", sample_product(id=25, siteId="s8", sites=sites), secret=SECRET
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "product_data.sites"
    assert "'s8', 's9'" in response.text and "VITRINA_BITRIX_SITE_SHOPS" in response.text
    assert client.get("/api/v1/products/25").status_code == 404


@pytest.mark.parametrize(
    ("sites", "field"),
    [
        ([], "product_data.sites"),
        ("s1", "product_data.sites"),
        ([{"url": "https://a.kz/p/1"}], "product_data.sites[0].siteId"),
        ([{"siteId": "s1"}, "s2"], "product_data.sites[1].siteId"),
        ([{"siteId": "s1", "url": "javascript:alert(1)"}], "product_data.sites[0].url"),
    ],
)
def test_malformed_sites_are_refused_naming_the_field(client, sites, field):
    response = send(client, "created", sample_product(id=26, sites=sites), secret=SECRET)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field
    assert client.get("/api/v1/products/26").status_code == 404


def test_a_page_on_another_site_of_the_shop_is_followed_only_when_that_site_is_configured(
    live_app, sqlite_url
):
    product = sample_product(id=27, siteId="s2", sites=TWO_SITES[1:])
    settings = {"bitrix_site_shops": "s1=1,s2=7", "shop_base_url": "https://a.kz/"}
    with live_app(sqlite_url, **settings) as c:
        assert send(c, "created", product, secret=SECRET).status_code == 200
        assert c.get("/api/v1/products/27").json()["page_url"] is None  # b.kz: not the shop's
    with live_app(sqlite_url, shop_site_urls="https://b.kz", **settings) as c:
        assert c.get("/api/v1/products/27").json()["page_url"] == TWO_SITES[1]["url"]


def test_a_shop_site_address_that_is_not_one_is_a_clear_configuration_error():
    with pytest.raises(ConfigurationError, match="VITRINA_SHOP_SITE_URLS"):
        load_settings(shop_site_urls="gifts.kz")
