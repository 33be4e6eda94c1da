"""The pages over real HTTP: search form and its error pages, dashboard login and content."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.conftest import ADMIN_TOKEN, SECRET
from tests.support.webhooks import sample_product, send
from vitrina.db import make_engine, make_sessionmaker, utcnow, write_session
from vitrina.http import session as dashboard_session
from vitrina.jobs.models import DEAD, Job
from vitrina.web.dashboard import percentile
from vitrina.web.rendering import tenge

# English pages, so the messages below read as written (Russian is checked in test_storefront).
HTML = {"Accept": "text/html", "Accept-Language": "en-US,en;q=0.9"}
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def log_in(client: httpx.Client) -> None:
    response = client.post("/dashboard/login", data={"token": ADMIN_TOKEN})
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard"


def csrf_of(html: str) -> str:
    """The anti-forgery token a dashboard page puts in its forms."""
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match is not None, html[:500]
    return match[1]


def add_dead_job(database_url: str, product_id: int, reason: str) -> int:
    """A job that gave up, as the worker leaves it."""
    engine = make_engine(database_url)
    try:
        with write_session(make_sessionmaker(engine)) as session:
            job = Job(product_id=product_id, shop_id=1, state=DEAD, attempts=1, last_error=reason,
                      finished_at=utcnow())
            session.add(job)
            session.flush()
            return job.id
    finally:
        engine.dispose()


# --- formatting -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minor", "shown"),
    [(495000, "4 950 ₸"), (495050, "4 950,50 ₸"), (0, "0 ₸"), (99, "0,99 ₸"),
     (123456789, "1 234 567,89 ₸"), (100_000_000, "1 000 000 ₸")],
)
def test_prices_are_shown_in_tenge_with_tiyn_only_when_there_are_some(minor, shown):
    assert tenge(minor) == shown


def test_p95_interpolates_like_postgresql():
    assert percentile([10.0], 0.95) == 10.0
    assert percentile([float(v) for v in range(1, 101)], 0.95) == pytest.approx(95.05)


# --- search page ------------------------------------------------------------------------------


def test_search_page_offers_upload_camera_url_and_filters(live_app, sqlite_url):
    with live_app(sqlite_url) as client:
        send(client, "created", sample_product(), secret=SECRET)
        page = client.get("/", headers=HTML)
        assert client.get("/static/search.js").status_code == 200
    assert page.status_code == 200
    html = page.text
    assert 'action="/search"' in html and 'enctype="multipart/form-data"' in html
    assert 'type="file" name="file" accept="image/*"' in html
    assert 'capture="environment"' in html
    assert 'name="image_url"' in html
    # One shop: no shop filter, and no "Shop 1" for customers to puzzle over.
    assert 'name="shop_id"' not in html and "Магазин 1" not in html and "Shop 1" not in html
    assert 'name="price_min"' in html and 'name="price_max"' in html
    assert '<meta name="viewport"' in html


def test_non_image_upload_shows_an_html_error_page_keeping_the_form(live_app, sqlite_url):
    with live_app(sqlite_url) as client:
        response = client.post(
            "/search",
            files={"file": ("bouquet.jpg", b"%PDF-1.7 not a photo", "image/jpeg")},
            data={"price_min": "5000"},
            headers=HTML,
        )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "The file is not an image" in response.text
    assert 'value="5000"' in response.text  # the filter the visitor typed is still there


def test_too_large_photo_is_refused_with_a_clear_message(live_app, sqlite_url):
    with live_app(sqlite_url, image_max_bytes=1024 * 1024) as client:
        response = client.post(
            "/search",
            files={"file": ("big.jpg", b"\xff\xd8" + b"\0" * (1024 * 1024 + 10), "image/jpeg")},
            headers=HTML,
        )
    assert response.status_code == 413
    assert "The photo is larger than 1 MB" in response.text


def test_search_without_a_photo_asks_for_one(live_app, sqlite_url):
    with live_app(sqlite_url) as client:
        response = client.post("/search", data={"image_url": ""}, headers=HTML)
        fragment = client.post(
            "/search", data={"price_min": "cheap"}, headers={**HTML, "X-Vitrina-Fragment": "1"}
        )
    assert response.status_code == 422
    assert "Choose a photo or paste the address of one." in response.text
    assert fragment.status_code == 422
    assert "<html" not in fragment.text and "price_min" in fragment.text


def test_more_like_this_for_an_unknown_product_says_so(live_app, sqlite_url):
    with live_app(sqlite_url) as client:
        response = client.get("/", params={"similar_to": 424242}, headers=HTML)
    assert response.status_code == 404
    assert "product 424242 not found" in response.text


def test_api_errors_stay_json_for_browsers(live_app, sqlite_url):
    with live_app(sqlite_url) as client:
        response = client.post(
            "/api/v1/search/upload", files={"file": ("x.jpg", b"nope", "image/jpeg")}, headers=HTML
        )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "not_an_image"


# --- dashboard --------------------------------------------------------------------------------


def test_dashboard_requires_login(live_app, sqlite_url):
    with live_app(sqlite_url) as client:
        page = client.get("/dashboard", headers=HTML)
        fragment = client.get("/dashboard", headers={"X-Vitrina-Fragment": "1"})
        api = client.get("/api/v1/dashboard")
        login = client.get("/dashboard/login", headers=HTML)
    assert page.status_code == 303 and page.headers["location"] == "/dashboard/login"
    assert fragment.status_code == 401
    assert api.status_code == 401 and api.json()["error"]["code"] == "unauthorized"
    assert login.status_code == 200 and 'type="password" name="token"' in login.text


def test_wrong_token_is_refused_and_sets_no_cookie(live_app, sqlite_url):
    with live_app(sqlite_url) as client:
        response = client.post("/dashboard/login", data={"token": "guess"}, headers=HTML)
        assert response.status_code == 401
        assert "That is not the admin token." in response.text
        assert "set-cookie" not in response.headers
        # The raw admin token is not a session: only the signed cookie from a login is.
        client.cookies.set(dashboard_session.COOKIE_NAME, ADMIN_TOKEN)
        assert client.get("/dashboard").status_code == 303
        assert client.get("/api/v1/jobs").status_code == 401


def test_login_sets_an_http_only_lax_cookie_that_is_not_the_token(live_app, sqlite_url):
    with live_app(sqlite_url) as client:
        response = client.post("/dashboard/login", data={"token": ADMIN_TOKEN})
        cookie = response.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
        assert ADMIN_TOKEN not in cookie
        page = client.get("/dashboard", headers=HTML)
        assert page.status_code == 200 and "Dashboard" in page.text
        assert client.get("/api/v1/jobs", params={"state": "dead"}).status_code == 200
        assert client.get("/dashboard/login").headers["location"] == "/dashboard"
        client.post("/dashboard/logout", data={"csrf": csrf_of(page.text)})
        assert client.get("/dashboard").status_code == 303


def test_dashboard_shows_sync_activity_queue_and_dead_jobs(live_app, database_url):
    with live_app(database_url) as client:
        product = sample_product(id=501, title="Пионы")
        assert send(client, "created", product, secret=SECRET, msg_id="msg-1").status_code == 200
        assert send(client, "created", product, secret=SECRET, msg_id="msg-1").status_code == 200
        bad = sample_product(id=502, price="бесплатно")
        assert send(client, "created", bad, secret=SECRET).status_code == 422
        job_id = add_dead_job(database_url, 777, "photo_not_found: the shop says 404")

        data = client.get("/api/v1/dashboard", headers=ADMIN).json()
        today = data["days"][-1]
        assert len(data["days"]) == 14
        assert (today["applied"], today["duplicate"], today["rejected"]) == (1, 1, 1)
        assert today["avg_ms"] is not None and today["p95_ms"] is not None
        assert [e["outcome"] for e in data["latest_events"]] == ["rejected", "duplicate", "created"]
        assert data["stats"]["queue"]["pending"] == 1  # the reindex of product 501
        assert data["stats"]["sync"]["error_rate_24h"] == pytest.approx(1 / 3, abs=1e-3)
        assert [(j["id"], j["last_error"]) for j in data["dead_jobs"]] == [
            (job_id, "photo_not_found: the shop says 404")
        ]
        assert data["reconcile_runs"] == []

        log_in(client)
        panels = client.get("/dashboard", headers={**HTML, "X-Vitrina-Fragment": "1"})
        assert panels.status_code == 200 and "<html" not in panels.text
        assert "photo_not_found: the shop says 404" in panels.text
        assert f'action="/dashboard/jobs/{job_id}/retry"' in panels.text
        assert panels.text.count("<svg") == 3  # webhooks, timings, searches
        assert "No reconcile runs yet." in panels.text
        assert 'class="outcome outcome-rejected"' in panels.text

        retried = client.post(
            f"/dashboard/jobs/{job_id}/retry", data={"csrf": csrf_of(panels.text)}
        )
        assert retried.status_code == 303
        after = client.get("/api/v1/dashboard", headers=ADMIN).json()
        assert after["dead_jobs"] == []
        assert after["stats"]["queue"]["pending"] == 2


def test_days_without_events_are_shown_as_zero(live_app, sqlite_url):
    with live_app(sqlite_url, timezone="Asia/Almaty") as client:
        data = client.get("/api/v1/dashboard", headers=ADMIN).json()
    days = [d["day"] for d in data["days"]]
    today = utcnow().astimezone(ZoneInfo("Asia/Almaty")).date()  # the shop's day, not UTC's
    assert days[-1] == today.isoformat()
    assert days[0] == (today - timedelta(days=13)).isoformat()
    assert all(d["applied"] == 0 and d["avg_ms"] is None for d in data["days"])


def test_guessing_the_admin_token_is_throttled(live_app, sqlite_url):
    with live_app(sqlite_url) as client:
        codes = [
            client.post("/dashboard/login", data={"token": f"guess-{n}"}, headers=HTML).status_code
            for n in range(7)
        ]
        assert codes[:5] == [401] * 5
        assert codes[5:] == [429, 429]
        throttled = client.post("/dashboard/login", data={"token": ADMIN_TOKEN}, headers=HTML)
        assert throttled.status_code == 429 and "Too many login attempts" in throttled.text
        assert int(throttled.headers["Retry-After"]) >= 1


def test_right_tokens_are_never_charged_to_the_login_limit(live_app, sqlite_url):
    """Only failed attempts count: the manager logging in again and again is never locked out,
    and a few typos before the right token do not lock them out either."""
    with live_app(sqlite_url) as client:
        for _ in range(8):
            client.cookies.clear()
            right = client.post("/dashboard/login", data={"token": ADMIN_TOKEN}, headers=HTML,
                                follow_redirects=False)
            assert right.status_code == 303, right.text
        for n in range(4):
            wrong = client.post("/dashboard/login", data={"token": f"typo-{n}"}, headers=HTML)
            assert wrong.status_code == 401
        client.cookies.clear()
        right = client.post("/dashboard/login", data={"token": ADMIN_TOKEN}, headers=HTML,
                            follow_redirects=False)
        assert right.status_code == 303, right.text
