"""The dashboard's login session: a random secret in an HttpOnly cookie, its hash in the database.

Server-side, so logging out ends the session for every copy of the cookie, and the cookie never
contains the admin token. A session is valid while its row exists, has not expired, and was
issued under the current ``VITRINA_ADMIN_TOKEN`` (changing the token logs everyone out).
Anything in the cookie that is not exactly the shape we issue is "not logged in", checked before
the database is asked.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from vitrina.db import utcnow, write_session
from vitrina.http.models import DashboardSession

COOKIE_NAME = "vitrina_admin"
MAX_AGE_S = 12 * 3600
_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)
_CSRF_PURPOSE = b"vitrina dashboard csrf v1"


def _id(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _token_check(admin_token: str, session_id: str) -> str:
    return hmac.new(admin_token.encode(), session_id.encode(), hashlib.sha256).hexdigest()


def start(sessions: sessionmaker[Session], admin_token: str) -> str:
    """A new session; returns the cookie value. Expired sessions are cleared on the way."""
    secret = secrets.token_urlsafe(32)
    session_id = _id(secret)
    now = utcnow()
    with write_session(sessions) as db:
        db.execute(delete(DashboardSession).where(DashboardSession.expires_at < now))
        db.add(
            DashboardSession(
                id=session_id,
                token_check=_token_check(admin_token, session_id),
                created_at=now,
                expires_at=now + timedelta(seconds=MAX_AGE_S),
            )
        )
    return secret


def is_active(sessions: sessionmaker[Session], cookie: str | None, admin_token: str) -> bool:
    """Whether ``cookie`` is a live session issued under ``admin_token``."""
    if cookie is None or _SHAPE.fullmatch(cookie) is None:
        return False
    session_id = _id(cookie)
    with sessions() as db:
        row = db.get(DashboardSession, session_id)
    if row is None or row.expires_at <= utcnow():
        return False
    return hmac.compare_digest(row.token_check, _token_check(admin_token, session_id))


def end(sessions: sessionmaker[Session], cookie: str | None) -> None:
    """Forget the session: every copy of the cookie stops working."""
    if cookie is None or _SHAPE.fullmatch(cookie) is None:
        return
    with write_session(sessions) as db:
        db.execute(delete(DashboardSession).where(DashboardSession.id == _id(cookie)))


def csrf_token(cookie: str) -> str:
    """The anti-forgery token of a session: put in every form, required on every POST.

    Derived from the session secret, which another site can neither read (HttpOnly) nor guess.
    """
    return hmac.new(cookie.encode(), _CSRF_PURPOSE, hashlib.sha256).hexdigest()


def csrf_ok(cookie: str, offered: str | None) -> bool:
    """Whether ``offered`` is this session's anti-forgery token (constant time)."""
    if not offered or not offered.isascii():
        return False
    return hmac.compare_digest(offered, csrf_token(cookie))
