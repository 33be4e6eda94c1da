"""Standard Webhooks (spec 1.0) signatures, and the legacy shared-secret header.

Written here rather than taken from the ``standardwebhooks`` package: verification is twenty lines
of ``hmac``, we need several secrets at once (rotation) and a clean separation between "no
signature" and "bad signature" (a bad signature must never fall back to the legacy header), and
the package pins its own HTTP client dependencies.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping, Sequence

from vitrina.errors import InvalidPayload, Unauthorized

MAX_WEBHOOK_ID = 200  # event_log.idempotency_key's length
MAX_TIMESTAMP_DIGITS = 12  # seconds since 1970: 10 digits until the year 2286
SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)


def new_secret() -> str:
    """A fresh ``whsec_`` secret with 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_`` secret (the base64-decoded part)."""
    body = secret.removeprefix(SECRET_PREFIX)
    try:
        return base64.b64decode(body, validate=True)
    except ValueError as exc:
        raise ValueError(f"webhook secret {secret[:10]!r}… is not valid base64") from exc


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value (``v1,<base64>``) for one message."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(
    secret: str, body: bytes, msg_id: str, timestamp: int | None = None
) -> dict[str, str]:
    """All three Standard Webhooks headers for ``body`` — used by senders, tests and benchmarks."""
    ts = int(time.time()) if timestamp is None else timestamp
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": sign(secret, msg_id, ts, body),
    }


def verify(
    headers: Mapping[str, str],
    body: bytes,
    secrets_: Sequence[str],
    *,
    tolerance_s: int = 300,
    now: float | None = None,
) -> str:
    """Check a Standard Webhooks signature; return the ``webhook-id`` or raise :class:`Unauthorized`.

    Any configured secret may match any ``v1`` entry (rotation). Comparison is constant-time.
    """
    msg_id = headers.get("webhook-id")
    timestamp = headers.get("webhook-timestamp")
    signature = headers.get("webhook-signature")
    if not msg_id or not timestamp or not signature:
        raise Unauthorized("webhook-id, webhook-timestamp and webhook-signature are all required.")
    if len(msg_id) > MAX_WEBHOOK_ID:  # the event log keeps it as the idempotency key
        raise InvalidPayload(
            f"webhook-id: at most {MAX_WEBHOOK_ID} characters, got {len(msg_id)}", field="webhook-id"
        )
    # ASCII digits of a plausible length only: int() would take "٤٢", "1_0" and a 5,000-digit
    # number, and a number beyond a float overflowed the clock comparison (a 500).
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= MAX_TIMESTAMP_DIGITS):
        raise Unauthorized(f"webhook-timestamp: not a unix time: {timestamp[:40]!r}")
    ts = int(timestamp)
    current = time.time() if now is None else now
    if abs(current - ts) > tolerance_s:
        raise Unauthorized(
            f"webhook-timestamp: {ts} is more than {tolerance_s} s away from the server time."
        )
    if not secrets_:
        raise Unauthorized("No webhook secret is configured; every request is refused.")
    offered = [
        entry.split(",", 1)[1].encode() for entry in signature.split(" ") if entry.startswith("v1,")
    ]
    for secret in secrets_:
        expected = sign(secret, msg_id, ts, body).split(",", 1)[1].encode()
        # Check every offered entry so timing does not depend on which one matched.
        if any(hmac.compare_digest(expected, candidate) for candidate in offered):
            return msg_id
    raise Unauthorized("webhook-signature: no signature matches a configured secret.")


def verify_legacy(header_value: str | None, secret: str | None) -> None:
    """Check the seed-era ``X-Webhook-Secret`` header in constant time."""
    if not secret:
        raise Unauthorized("The legacy X-Webhook-Secret header is not enabled; sign the request.")
    if header_value is None or not hmac.compare_digest(header_value.encode(), secret.encode()):
        raise Unauthorized("X-Webhook-Secret: wrong secret.")
