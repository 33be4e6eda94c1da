"""Talk to Vitrina's Bitrix module (``vitrinalab.vitrina``) for shops without a product REST API.

The module answers at ``/bitrix/tools/vitrinalab.vitrina/api.php`` (``VITRINA_BITRIX_MODULE_URL``)
to POSTs signed like webhooks (Standard Webhooks, the shared ``whsec_`` secret), and signs its
answers the same way, so a manifest that did not come from the shop is refused:

* ``{"action": "manifest", "site": "s1" | null, "after": 0, "limit": 500}`` →
  ``{"site", "items": [{"id", "stamp"}], "next_after": int | null, "total"}`` — active products by
  id, ``stamp`` changes whenever anything Vitrina reads of the product does;
* ``{"action": "resend", "ids": [...]}`` (≤ 1000) → ``{"queued": n}`` — the module pushes the
  current state of those products through its outbox (signed webhooks; a product it no longer
  has goes as ``product.deleted``).

The wire format is documented in ``docs/bitrix.md``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from vitrina.errors import Unauthorized
from vitrina.ingest.signatures import signed_headers, verify
from vitrina.integrations.bitrix.errors import (
    BitrixAuthError,
    BitrixError,
    BitrixUnavailable,
    busy_answer,
)
from vitrina.retry import Retries, Transient

MANIFEST_PAGE = 500
RESEND_BATCH = 1000


@dataclass(frozen=True, slots=True)
class ManifestItem:
    """One active product of the shop and its change stamp."""

    id: int
    stamp: str


@dataclass(frozen=True, slots=True)
class ManifestPage:
    """One page of the manifest; ``next_after`` is ``None`` on the last page."""

    items: list[ManifestItem]
    next_after: int | None
    total: int


class ModuleClient:
    """Signed requests to the module; reuse one client per run and close it
    (``with contextlib.closing(ModuleClient(...))``).

    ``secrets``: the first signs requests; any of them may have signed an answer (rotation).
    """

    def __init__(
        self,
        url: str,
        secrets: Sequence[str],
        *,
        timeout: float = 30.0,
        retries: Retries = Retries(),
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise BitrixError(
                f"The module address must start with http:// or https://, got {url!r}.", url=url
            )
        if not secrets:
            raise BitrixError("No webhook secret is configured (VITRINA_WEBHOOK_SECRETS).", url=url)
        self.url = url
        self.secrets = list(secrets)
        self.timeout = timeout
        self.retries = retries
        # No redirects: a POST would lose its body; a moved module is a wrong address.
        self._http = httpx.Client(timeout=timeout, follow_redirects=False)

    def close(self) -> None:
        """Close pooled connections."""
        self._http.close()

    def manifest_page(
        self, after: int, *, site: str | None, limit: int = MANIFEST_PAGE
    ) -> ManifestPage:
        """One page of active products after id ``after``."""
        answer = self._call({"action": "manifest", "site": site, "after": after, "limit": limit})
        try:
            items = [ManifestItem(int(i["id"]), str(i["stamp"])) for i in answer["items"]]
            next_after = answer["next_after"]
            total = int(answer["total"])
        except (KeyError, TypeError, ValueError):
            raise BitrixError(
                f"The module at {self.url} sent a manifest Vitrina cannot read: {answer!r:.300}",
                url=self.url,
            ) from None
        if next_after is not None and (not isinstance(next_after, int) or next_after <= after):
            # A cursor that does not move forward would page forever.
            raise BitrixError(
                f"The module at {self.url} sent next_after={next_after!r} after {after}.",
                url=self.url,
            )
        return ManifestPage(items, next_after, total)

    def iter_manifest(
        self, *, site: str | None, limit: int = MANIFEST_PAGE
    ) -> Iterator[ManifestPage]:
        """Every page of the manifest of ``site`` (``None``: all the module's info blocks)."""
        after = 0
        while True:
            page = self.manifest_page(after, site=site, limit=limit)
            yield page
            if page.next_after is None:
                return
            after = page.next_after

    def resend(self, ids: Sequence[int]) -> int:
        """Ask the module to push these products again; returns how many it queued."""
        queued = 0
        for start in range(0, len(ids), RESEND_BATCH):
            batch = [int(i) for i in ids[start : start + RESEND_BATCH]]
            answer = self._call({"action": "resend", "ids": batch})
            queued += int(answer.get("queued", 0))
        return queued

    def _call(self, request: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps(request, separators=(",", ":")).encode()

        def attempt(n: int) -> dict[str, Any]:
            # A new id (the nonce the module answers once) and timestamp per attempt: the module
            # refuses stale timestamps and an id it has seen.
            request_id = f"vitrina-{uuid.uuid4()}"
            headers = {
                "Content-Type": "application/json",
                **signed_headers(self.secrets[0], body, request_id),
            }
            try:
                response = self._http.post(self.url, content=body, headers=headers)
            except httpx.TransportError as exc:
                raise Transient(
                    BitrixUnavailable(
                        f"Cannot reach the Vitrina module at {self.url}:"
                        f" {exc or type(exc).__name__} ({n + 1} attempts).",
                        url=self.url,
                    )
                ) from None
            status = response.status_code
            if status == 200:
                return self._verified(response, request_id)
            if status == 401:
                raise BitrixAuthError(
                    f"The Vitrina module at {self.url} refused the signature:"
                    f" {_error(response)}. The module's secret must be one of"
                    " VITRINA_WEBHOOK_SECRETS.",
                    url=self.url,
                    status=status,
                )
            busy = busy_answer(
                response,
                f"The Vitrina module at {self.url} answered HTTP {status}:"
                f" {_error(response)} ({n + 1} attempts).",
                self.url,
            )
            if busy is not None:
                raise busy
            hint = " Is the module installed?" if status == 404 else ""
            raise BitrixError(
                f"The Vitrina module at {self.url} rejected the request"
                f" (HTTP {status}): {_error(response)}.{hint}",
                url=self.url,
                status=status,
            )

        return self.retries.run(attempt)

    def _verified(self, response: httpx.Response, request_id: str) -> dict[str, Any]:
        """The answer's JSON, after checking the module signed exactly these bytes as the answer
        to this request (its webhook-id is the request's: an old answer played back is not)."""
        try:
            answered = verify(response.headers, response.content, self.secrets)
        except Unauthorized as exc:
            raise BitrixAuthError(
                f"The answer from {self.url} is not signed by the module: {exc.message}",
                url=self.url,
            ) from None
        if answered != request_id:
            raise BitrixAuthError(
                f"The answer from {self.url} is signed for another request ({answered[:60]!r});"
                " it is not trusted. Update the Vitrina module on the shop.",
                url=self.url,
            )
        try:
            answer = json.loads(response.content)
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise BitrixError(
                f"The module at {self.url} did not answer a JSON object.", url=self.url
            )
        return answer


def _error(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:200] or "(empty)"
    return str(data.get("error", data))[:300] if isinstance(data, dict) else str(data)[:300]
