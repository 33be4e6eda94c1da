"""The dashboard against forged requests and stolen cookies, and the security headers of pages."""

from __future__ import annotations

import re

from tests.conftest import ADMIN_TOKEN
from tests.web.test_pages import HTML, add_dead_job, csrf_of, log_in
from vitrina.http import session as dashboard_session


def test_a_copied_cookie_stops_working_after_logout(live_app, sqlite_url):
    with live_app(sqlite_url) as client:
        log_in(client)
        copied = client.cookies[dashboard_session.COOKIE_NAME]
        page = client.get("/dashboard", headers=HTML)
        assert page.status_code == 200
        out = client.post("/dashboard/logout", data={"csrf": csrf_of(page.text)})
        assert out.status_code == 303 and out.headers["location"] == "/dashboard/login"
        # Someone who copied the cookie before the logout is logged out too.
        client.cookies.set(dashboard_session.COOKIE_NAME, copied)
        assert client.get("/dashboard").status_code == 303
        assert client.get("/api/v1/jobs").status_code == 401


def test_logout_without_the_token_is_refused_and_the_session_lives_on(live_app, sqlite_url):
    with live_app(sqlite_url) as client:
        log_in(client)
        forged = client.post("/dashboard/logout", headers=HTML)
        assert forged.status_code == 403
        assert "not sent from the dashboard" in forged.text
        assert client.get("/dashboard").status_code == 200


def test_retry_needs_the_dashboard_token(live_app, sqlite_url):
    with live_app(sqlite_url) as client:
        job_id = add_dead_job(sqlite_url, 777, "photo_not_found")
        log_in(client)
        page = client.get("/dashboard", headers=HTML)
        for token in (None, "0" * 64, "x" * 300):
            data = {"csrf": token} if token else {}
            refused = client.post(f"/dashboard/jobs/{job_id}/retry", data=data, headers=HTML)
            assert refused.status_code in (403, 422), token
        assert client.get("/api/v1/jobs", params={"state": "dead"}).json()[0]["id"] == job_id
        done = client.post(f"/dashboard/jobs/{job_id}/retry", data={"csrf": csrf_of(page.text)})
        assert done.status_code == 303
        assert client.get("/api/v1/jobs", params={"state": "dead"}).json() == []


def test_the_admin_api_with_a_cookie_needs_the_token_header_but_a_bearer_does_not(
    live_app, sqlite_url
):
    with live_app(sqlite_url) as client:
        job_id = add_dead_job(sqlite_url, 778, "photo_not_found")
        log_in(client)
        token = csrf_of(client.get("/dashboard", headers=HTML).text)
        refused = client.post(f"/api/v1/jobs/{job_id}/retry")
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "cross_site_request"
        assert client.get("/api/v1/jobs", params={"state": "dead"}).json()[0]["id"] == job_id
        ok = client.post(f"/api/v1/jobs/{job_id}/retry", headers={"X-CSRF-Token": token})
        assert ok.status_code == 200 and ok.json()["state"] == "pending"
        client.cookies.clear()
        bearer = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        assert client.get("/api/v1/jobs", headers=bearer).status_code == 200


def test_a_login_form_posted_from_another_site_is_refused(live_app, sqlite_url):
    with live_app(sqlite_url) as client:
        for header in (
            {"Origin": "https://evil.example"},
            {"Origin": "null"},
            {"Referer": "https://evil.example/page"},
        ):
            response = client.post(
                "/dashboard/login", data={"token": ADMIN_TOKEN}, headers={**HTML, **header}
            )
            assert response.status_code == 403, header
            assert "set-cookie" not in response.headers
        same = client.post(
            "/dashboard/login",
            data={"token": ADMIN_TOKEN},
            headers={"Origin": str(client.base_url).rstrip("/")},
        )
        assert same.status_code == 303


def test_pages_carry_security_headers_and_the_docs_script_its_nonce(live_app, sqlite_url):
    with live_app(sqlite_url) as client:
        pages = {path: client.get(path, headers=HTML) for path in ("/dashboard/login", "/docs")}
        log_in(client)
        pages |= {path: client.get(path, headers=HTML) for path in ("/", "/dashboard")}
        assert client.get("/redoc").headers["location"] == "/docs"  # ReDoc is off: see web/docs
        for path, page in pages.items():
            assert page.status_code == 200, path
            csp = page.headers["content-security-policy"]
            assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
            assert "'unsafe-inline'" not in csp.split("style-src-attr")[0], csp
            assert page.headers["x-frame-options"] == "DENY"
            assert page.headers["x-content-type-options"] == "nosniff"
            assert page.headers["referrer-policy"] == "strict-origin-when-cross-origin"
            nonce = re.search(r"'nonce-([^']+)'", csp)
            assert nonce is not None
            inline = re.findall(r"<(script|style)(\s[^>]*)?>\s*[^<\s]", page.text)
            for _tag, attributes in inline:
                assert f'nonce="{nonce[1]}"' in attributes, (path, attributes)
        docs = client.get("/docs")
        assert '<script nonce="' in docs.text
        # Nonces are new on every response.
        assert (
            docs.headers["content-security-policy"]
            != client.get("/docs").headers["content-security-policy"]
        )


def test_static_files_stay_loadable_by_other_sites(live_app, sqlite_url):
    with live_app(sqlite_url) as client:
        script = client.get("/static/search.js")
        api = client.get("/api/v1/products")
    assert script.status_code == 200
    assert "cross-origin-resource-policy" not in script.headers
    assert "content-security-policy" not in script.headers
    assert script.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in api.headers
