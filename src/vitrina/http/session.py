"""The dashboard's login session: a signed, expiring cookie that never contains the admin token.

The value is ``<expires>.<hmac>`` where the HMAC (SHA-256) is keyed by the admin token, so
changing ``VITRINA_ADMIN_TOKEN`` logs everyone out, and a stolen cookie is useless after it
expires and reveals nothing about the token.
"""

from __future__ import annotations

import hashlib
import hmac
import time

COOKIE_NAME = "vitrina_admin"
MAX_AGE_S = 12 * 3600
_PURPOSE = b"vitrina dashboard session v1"


def _signature(admin_token: str, expires: int) -> str:
    message = _PURPOSE + b"|" + str(expires).encode()
    return hmac.new(admin_token.encode(), message, hashlib.sha256).hexdigest()


def new_session(admin_token: str, *, now: float | None = None, max_age_s: int = MAX_AGE_S) -> str:
    """A cookie value valid for ``max_age_s`` seconds."""
    expires = int((now if now is not None else time.time()) + max_age_s)
    return f"{expires}.{_signature(admin_token, expires)}"


def session_is_valid(value: str, admin_token: str, *, now: float | None = None) -> bool:
    """Whether ``value`` was issued with this admin token and has not expired."""
    expires_text, _, signature = value.partition(".")
    if not expires_text.isdigit() or not signature:
        return False
    expires = int(expires_text)
    if expires < (now if now is not None else time.time()):
        return False
    return hmac.compare_digest(signature.encode(), _signature(admin_token, expires).encode())
