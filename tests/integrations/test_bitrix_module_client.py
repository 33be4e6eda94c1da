"""The module client's protocol edges, against a real HTTP server on 127.0.0.1 playing the module
(the real module is exercised end to end in test_bitrix_module_reconcile.py)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import closing
from typing import Any

import pytest
from fastapi import FastAPI, Request, Response

from tests.support.live import serve_in_thread
from vitrina.ingest.signatures import new_secret, signed_headers, verify
from vitrina.integrations.bitrix.errors import BitrixAuthError, BitrixError, BitrixUnavailable
from vitrina.integrations.bitrix.module_client import ModuleClient
from vitrina.retry import Retries

SECRET = new_secret()


class Module:
    """Answers scripted per request; checks each request's signature as the module does."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.script: list[tuple[int, dict[str, Any], str]] = []  # status, answer, signing secret
        self.answer_id: str | None = None  # set: every answer is signed under this id instead

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/api.php")
        async def api(request: Request) -> Response:
            body = await request.body()
            request_id = verify(request.headers, body, [SECRET])  # raises → 500: a failure
            self.requests.append(json.loads(body))
            status, answer, secret = self.script.pop(0)
            raw = json.dumps(answer).encode()
            answer_id = self.answer_id or request_id  # the module answers under the request's id
            headers = signed_headers(secret, raw, answer_id)
            return Response(raw, status_code=status, headers=headers, media_type="application/json")

        return app


@pytest.fixture
def module() -> Iterator[tuple[Module, str]]:
    fake = Module()
    with serve_in_thread(fake.app()) as url:
        yield fake, f"{url}/api.php"


def client(url: str, sleeps: list[float] | None = None) -> ModuleClient:
    return ModuleClient(
        url, [SECRET], retries=Retries(sleep=(sleeps if sleeps is not None else []).append)
    )


def test_manifest_pages_are_read_until_next_after_is_null(module):
    fake, url = module
    fake.script = [
        (
            200,
            {
                "items": [{"id": 1, "stamp": "a"}, {"id": 5, "stamp": "b"}],
                "next_after": 5,
                "total": 3,
            },
            SECRET,
        ),
        (200, {"items": [{"id": 9, "stamp": "c"}], "next_after": None, "total": 3}, SECRET),
    ]
    with closing(client(url)) as c:
        pages = list(c.iter_manifest(site="s1", limit=2))
    assert [[i.id for i in p.items] for p in pages] == [[1, 5], [9]]
    assert [r["after"] for r in fake.requests] == [0, 5]
    assert fake.requests[0] == {"action": "manifest", "site": "s1", "after": 0, "limit": 2}


def test_an_answer_not_signed_by_the_module_is_refused(module):
    fake, url = module
    fake.script = [(200, {"items": [], "next_after": None, "total": 0}, new_secret())]
    with (
        closing(client(url)) as c,
        pytest.raises(BitrixAuthError, match="not signed by the module"),
    ):
        c.manifest_page(0, site=None)


def test_a_cursor_that_does_not_move_forward_is_an_error_not_a_loop(module):
    fake, url = module
    fake.script = [(200, {"items": [{"id": 7, "stamp": "a"}], "next_after": 3, "total": 1}, SECRET)]
    with closing(client(url)) as c, pytest.raises(BitrixError, match="next_after=3 after 3"):
        c.manifest_page(3, site=None)


def test_busy_module_is_retried_with_backoff_then_gives_up_naming_the_status(module):
    fake, url = module
    fake.script = [(503, {"error": "busy"}, SECRET)] * 2 + [(200, {"queued": 2}, SECRET)]
    sleeps: list[float] = []
    with closing(ModuleClient(url, [SECRET], retries=Retries(2, sleep=sleeps.append))) as c:
        assert c.resend([1, 2]) == 2
    assert len(sleeps) == 2
    fake.script = [(503, {"error": "busy"}, SECRET)] * 2
    with (
        closing(ModuleClient(url, [SECRET], retries=Retries(1, sleep=sleeps.append))) as c,
        pytest.raises(BitrixUnavailable, match="HTTP 503: busy"),
    ):
        c.resend([1])


def test_resend_goes_in_batches_of_a_thousand(module):
    fake, url = module
    fake.script = [
        (200, {"queued": 1000}, SECRET),
        (200, {"queued": 1000}, SECRET),
        (200, {"queued": 500}, SECRET),
    ]
    with closing(client(url)) as c:
        assert c.resend(list(range(1, 2501))) == 2500
    assert [len(r["ids"]) for r in fake.requests] == [1000, 1000, 500]


def test_a_bad_request_is_reported_with_the_modules_reason(module):
    fake, url = module
    fake.script = [(422, {"error": "limit: expected 1–1000, got 5000", "field": "limit"}, SECRET)]
    with (
        closing(client(url)) as c,
        pytest.raises(BitrixError, match="HTTP 422\\): limit: expected"),
    ):
        c.manifest_page(0, site=None, limit=5000)


def test_a_module_address_that_is_not_http_is_refused_at_once():
    with pytest.raises(BitrixError, match="must start with http"):
        ModuleClient("ftp://shop.kz/api.php", [SECRET])


def test_an_answer_signed_for_another_request_is_not_trusted(module):
    """A recorded answer played back (signed, but for an earlier request) is refused."""
    fake, url = module
    fake.answer_id = f"vitrina-{uuid.uuid4()}"
    fake.script = [(200, {"items": [], "next_after": None, "total": 0}, SECRET)]
    with closing(client(url)) as c, pytest.raises(BitrixAuthError, match="another request"):
        c.manifest_page(0, site=None)
