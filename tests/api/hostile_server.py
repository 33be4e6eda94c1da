"""A live server for hostile-input tests, and the checks they share: no 5xx, nothing changed."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import SECRET
from tests.support.live import serve_in_thread
from tests.support.webhooks import sample_product
from vitrina.config import Settings
from vitrina.ingest.signatures import signed_headers


def dumps_with_raw(document: dict[str, Any]) -> bytes:
    """JSON text for ``document`` where ("RAW", token) values are written as the bare token."""
    raws: list[str] = []

    def swap(value: Any) -> Any:
        if isinstance(value, tuple) and len(value) == 2 and value[0] == "RAW":
            raws.append(value[1])
            return f"@@RAW{len(raws) - 1}@@"
        if isinstance(value, dict):
            return {k: swap(v) for k, v in value.items()}
        if isinstance(value, list):
            return [swap(v) for v in value]
        return value

    text = json.dumps(swap(document), ensure_ascii=True)
    for n, raw in enumerate(raws):
        text = text.replace(f'"@@RAW{n}@@"', raw)
    return text.encode()


@contextmanager
def hostile_server(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path, model_dir: Path
) -> Iterator[httpx.Client]:
    """A live server (SQLite copy, no rate limits) holding products 7 and 8, and a client."""
    from vitrina.api.app import create_app
    from vitrina.config import load_settings

    target = tmp_path_factory.mktemp("hostile") / "vitrina.db"
    shutil.copy(sqlite_template, target)
    settings: Settings = load_settings(
        database_url=f"sqlite:///{target}",
        webhook_secrets=[SECRET],
        admin_token="hostile-admin-token",
        model_dir=model_dir,
        log_json=False,
        search_rate_limit=0,
        webhook_rate_limit=0,
    )
    app = create_app(settings)
    with serve_in_thread(app) as base_url, httpx.Client(base_url=base_url, timeout=30) as client:
        for pid in (7, 8):
            body = json.dumps(
                {"event_type": "product.created", "product_data": sample_product(id=pid)}
            ).encode()
            headers = signed_headers(SECRET, body, str(uuid.uuid4()))
            assert (
                client.post(
                    "/api/v1/webhooks/product-sync", content=body, headers=headers
                ).status_code
                == 200
            )
        yield client


def catalog(client: httpx.Client) -> Any:
    """Every product, to compare before and after a refused request."""
    response = client.get("/api/v1/products", params={"limit": 500})
    assert response.status_code == 200
    return response.json()


def assert_no_5xx(response: httpx.Response) -> None:
    """Whatever was sent, the answer is not a server error."""
    assert response.status_code < 500, (
        response.request.url,
        response.status_code,
        response.text[:500],
    )


def sent_unchanged(client: httpx.Client, send: Callable[[], httpx.Response]) -> httpx.Response:
    """Send; a refused request must leave the catalog as it was."""
    before = catalog(client)
    response = send()
    assert_no_5xx(response)
    if response.status_code >= 400:
        assert catalog(client) == before, response.text
    return response
