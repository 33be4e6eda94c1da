"""Search is public: limited bodies, a per-client rate limit, and addresses behind a proxy."""

from __future__ import annotations

import socket

import httpx

from tests.support.photos import jpeg, sample_photos

PHOTO = jpeg(sample_photos()["coffee"].resize((64, 48)))


def upload(client: httpx.Client, headers: dict[str, str] | None = None) -> httpx.Response:
    files = {"file": ("q.jpg", PHOTO, "image/jpeg")}
    return client.post("/api/v1/search/upload", files=files, headers=headers)


def test_searches_past_the_burst_get_429_with_retry_after(live_app, sqlite_url):
    with live_app(sqlite_url, search_rate_limit=0.01, search_rate_burst=3) as client:
        codes = [upload(client).status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200]
        assert codes[3:] == [429, 429]
        limited = upload(client)
        assert limited.status_code == 429
        assert int(limited.headers["Retry-After"]) >= 1
        assert "Too many searches" in limited.json()["error"]["message"]
        # Catalog reads are not searches.
        assert client.get("/api/v1/products").status_code == 200


def test_a_rate_of_zero_turns_the_limit_off(live_app, sqlite_url):
    with live_app(sqlite_url, search_rate_limit=0, search_rate_burst=1) as client:
        assert {upload(client).status_code for _ in range(6)} == {200}


def test_forwarded_for_counts_only_from_a_trusted_proxy(live_app, sqlite_url):
    # Untrusted peer: X-Forwarded-For is ignored, everyone shares the peer's bucket.
    with live_app(sqlite_url, search_rate_limit=0.01, search_rate_burst=1) as client:
        assert upload(client, {"X-Forwarded-For": "203.0.113.1"}).status_code == 200
        assert upload(client, {"X-Forwarded-For": "203.0.113.2"}).status_code == 429
    # 127.0.0.1 is the trusted proxy: each forwarded client has its own bucket.
    with live_app(
        sqlite_url, search_rate_limit=0.01, search_rate_burst=1, trusted_proxies=["127.0.0.0/8"]
    ) as client:
        assert upload(client, {"X-Forwarded-For": "203.0.113.1"}).status_code == 200
        assert upload(client, {"X-Forwarded-For": "203.0.113.2"}).status_code == 200
        assert upload(client, {"X-Forwarded-For": "203.0.113.1"}).status_code == 429
        # A client cannot escape by prepending addresses: the proxy appends the real one.
        spoofed = {"X-Forwarded-For": "198.51.100.9, 203.0.113.2"}
        assert upload(client, spoofed).status_code == 429


def test_login_attempts_behind_a_proxy_are_counted_per_client(live_app, sqlite_url):
    with live_app(sqlite_url, trusted_proxies=["127.0.0.1"]) as client:
        for n in range(6):
            client.post(
                "/dashboard/login",
                data={"token": "guess"},
                headers={"X-Forwarded-For": "203.0.113.7"},
            )
        other = client.post(
            "/dashboard/login", data={"token": "guess"}, headers={"X-Forwarded-For": "203.0.113.8"}
        )
        assert other.status_code == 401  # not 429: another customer's guesses are not theirs


def test_an_oversized_body_is_refused_while_it_is_read(live_app, sqlite_url):
    with live_app(sqlite_url, image_max_bytes=100_000) as client:
        declared = client.post(
            "/api/v1/search",
            content=b"{" + b" " * 300_000 + b"}",
            headers={"content-type": "application/json"},
        )
        assert declared.status_code == 413
        assert "limit" in declared.json()["error"]["message"]

        def chunks():
            yield b'{"image_base64": "'
            for _ in range(100):
                yield b"A" * 10_000

        streamed = client.post(
            "/api/v1/search", content=chunks(), headers={"content-type": "application/json"}
        )
        assert streamed.status_code == 413
        form = client.post("/search", files={"file": ("q.jpg", b"\xff" * 300_000, "image/jpeg")})
        assert form.status_code == 413
        webhook = client.post("/api/v1/webhooks/product-sync", content=b"x" * 1_100_000)
        assert webhook.status_code == 413
        assert client.get("/api/v1/products").status_code == 200


def test_an_image_url_that_times_out_is_a_504_worded_for_the_customer(live_app, sqlite_url):
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # accepts connections, never answers
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/photo.jpg"
        with live_app(sqlite_url, image_timeout_s=1.0) as client:
            response = client.post("/api/v1/search", json={"image_url": url})
    assert response.status_code == 504
    error = response.json()["error"]
    assert error["code"] == "photo_timeout"
    assert "took too long" in error["message"] and "upload" in error["message"]
    assert "Bitrix" not in error["message"] and "tried again later" not in error["message"]
