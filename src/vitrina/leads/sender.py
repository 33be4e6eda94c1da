"""Forwarding leads to the shop: ``lead.created`` as a Standard Webhooks message, signed with
``VITRINA_LEAD_WEBHOOK_SECRET``, POSTed to ``VITRINA_LEAD_WEBHOOK_URL``.

One thread per API process. It wakes as soon as a lead is stored (so the shop hears of it in
about a second), and otherwise every few seconds for retries and the photo retention. A failed
delivery is tried again with the house backoff (``retry.backoff_delay``, honouring the shop's
``Retry-After``), up to ``service.MAX_ATTEMPTS``; the ``webhook-id`` is the same on every
attempt (``lead_<id>``), so a receiver that got a message twice can tell.

The destination is the shop's own address, configured by its administrator, not a customer's:
it is not passed through the photo fetcher's private-address guard.
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import timedelta

import httpx
from sqlalchemy.orm import Session, sessionmaker

from vitrina.db import database_errors, utcnow, write_session
from vitrina.errors import VitrinaError
from vitrina.ingest.signatures import signed_headers
from vitrina.leads import service
from vitrina.retry import backoff_delay, parse_retry_after

log = logging.getLogger("vitrina.leads")
POLL_S = 5.0
TIMEOUT_S = 10.0
BACKOFF_BASE_S = 5.0
BACKOFF_CAP_S = 600.0


class LeadSender:
    """The thread that forwards stored leads and removes photos past their retention."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        url: str | None,
        secret: str | None,
        *,
        photo_retention: timedelta,
        client: httpx.Client | None = None,
    ) -> None:
        self.sessions = sessions
        self.url = url
        self.secret = secret
        self.photo_retention = photo_retention
        self.client = client or httpx.Client(timeout=TIMEOUT_S, follow_redirects=False)
        self.wakeup = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="vitrina-lead-sender", daemon=True)

    @property
    def forwards(self) -> bool:
        """Whether leads go to the shop (else they are only stored for the dashboard)."""
        return bool(self.url and self.secret)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.wakeup.set()
        if self._thread.ident is not None:  # started (an app may stop before its start-up did)
            self._thread.join(timeout=TIMEOUT_S + 5)
        self.client.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with database_errors():
                    self.send_due()
                    self.remove_old_photos()
            except VitrinaError as error:  # the database is down: one line, the next turn retries
                log.warning("lead sender: %s", error.message)
            except Exception:
                log.exception("lead sender: a turn failed")
            self.wakeup.wait(POLL_S)
            self.wakeup.clear()

    def remove_old_photos(self) -> int:
        with write_session(self.sessions) as session:
            return service.remove_old_photos(session, utcnow(), self.photo_retention)

    def send_due(self) -> int:
        """Try every lead that is due once; the number delivered."""
        if not self.url or not self.secret:
            return 0
        with self.sessions() as session:
            due = service.due_leads(session, utcnow())
            session.expunge_all()
        delivered = 0
        for lead in due:
            body = json.dumps(service.webhook_body(lead), ensure_ascii=False).encode()
            headers = signed_headers(self.secret, body, f"lead_{lead.id}")
            headers["content-type"] = "application/json"
            error, retry_after = self._post(body, headers)
            with write_session(self.sessions) as session:
                if error is None:
                    service.mark_sent(session, lead.id, utcnow())
                    delivered += 1
                    continue
                wait = backoff_delay(
                    lead.attempts, base=BACKOFF_BASE_S, cap=BACKOFF_CAP_S, retry_after=retry_after
                )
                service.mark_failed(session, lead, error, utcnow() + timedelta(seconds=wait))
            log.warning("lead %s not delivered (attempt %s): %s", lead.id, lead.attempts + 1, error)
        return delivered

    def _post(self, body: bytes, headers: dict[str, str]) -> tuple[str | None, float | None]:
        """``(None, None)`` when delivered, else the reason and the server's ``Retry-After``."""
        assert self.url is not None  # send_due checked it
        try:
            response = self.client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}", None
        if 200 <= response.status_code < 300:
            return None, None
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        return f"the shop answered HTTP {response.status_code}", retry_after
