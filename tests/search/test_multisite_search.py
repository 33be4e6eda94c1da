"""A product of an info block bound to several Bitrix sites is found in each site's shop, with
its page on that shop's site; on SQLite (the graph) and PostgreSQL (pgvector)."""

from __future__ import annotations

from tests.conftest import SECRET
from tests.search.test_visual_search import upload, wait_until_idle
from tests.support.photos import altered, jpeg, photo_server, sample_photos
from tests.support.webhooks import sample_product, send

PHOTOS = sample_photos()
SITES = [
    {"siteId": "s1", "url": "https://a.kz/catalog/roses/1/"},
    {"siteId": "s2", "url": "https://b.kz/catalog/roses/1/"},
]


def found(client, photo: bytes, shop_id: int) -> dict[int, str | None]:
    response = upload(client, photo, shop_id=shop_id, top_k=5)
    assert response.status_code == 200, response.text
    return {r["product_id"]: r["page_url"] for r in response.json()["results"]}


def test_a_two_site_product_is_found_in_each_shop_until_a_site_drops_it(live_app, database_url):
    with (
        photo_server() as photos,
        live_app(
            database_url,
            run_worker=True,
            bitrix_site_shops="s1=1,s2=2",
            shop_base_url="https://a.kz/",
            shop_site_urls="https://b.kz",
        ) as client,
    ):
        urls = {name: photos.add(f"/multi/{name}.jpg", jpeg(PHOTOS[name])) for name in PHOTOS}
        both = sample_product(
            id=1, siteId="s1", sites=SITES, image=urls["chelsea"], images=[urls["chelsea"]]
        )
        assert send(client, "created", both, secret=SECRET).status_code == 200
        only_two = sample_product(
            id=2,
            siteId="s2",
            url="https://b.kz/p/2/",
            image=urls["coffee"],
            images=[urls["coffee"]],
        )
        assert send(client, "created", only_two, secret=SECRET).status_code == 200
        wait_until_idle(client)
        query = jpeg(altered(PHOTOS["chelsea"]), quality=40)

        in_one, in_two = found(client, query, 1), found(client, query, 2)
        assert in_one == {1: "https://a.kz/catalog/roses/1/"}  # product 2 is not in shop 1
        assert in_two[1] == "https://b.kz/catalog/roses/1/"
        assert set(in_two) == {1, 2}
        assert found(client, query, 3) == {}

        # «Похожие» and the click keep to the shop asked for.
        def similar(shop: int | None) -> set[int]:
            params = {} if shop is None else {"shop_id": shop}
            answer = client.get("/api/v1/products/1/similar", params=params)
            assert answer.status_code == 200, answer.text
            return {r["product_id"] for r in answer.json()["results"]}

        assert (similar(None), similar(1), similar(2)) == ({2}, set(), {2})

        def go(product: int, shop: int | None) -> tuple[int, str | None]:
            params = {} if shop is None else {"shop_id": shop}
            answer = client.get(f"/go/{product}", params=params, follow_redirects=False)
            return answer.status_code, answer.headers.get("location")

        assert go(1, 2) == (302, "https://b.kz/catalog/roses/1/")
        assert go(1, 1) == (302, "https://a.kz/catalog/roses/1/")
        assert go(1, None) == (302, "https://a.kz/catalog/roses/1/")  # the primary site's page
        status, _ = go(2, 1)
        assert status == 404  # not on shop 1's site: no page to send its customer to
        page = client.get("/", params={"similar_to": 1, "shop_id": 2}).text
        assert '/go/2?s=' in page and "shop_id=2" in page

        dropped = sample_product(
            id=1, siteId="s1", sites=SITES[:1], image=urls["chelsea"], images=[urls["chelsea"]]
        )
        assert send(client, "updated", dropped, secret=SECRET).status_code == 200
        assert set(found(client, query, 2)) == {2}
        assert set(found(client, query, 1)) == {1}
