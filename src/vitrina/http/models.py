"""The dashboard's login sessions, kept server-side so that logging out really ends one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from vitrina.db import Base, UTCDateTime


class DashboardSession(Base):
    """One logged-in browser. The cookie holds a random secret; only its SHA-256 is stored, so
    the table (a backup, a copy) cannot be turned back into a working cookie."""

    __tablename__ = "dashboard_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True, doc="sha256 of the secret")
    token_check: Mapped[str] = mapped_column(
        String(64), doc="HMAC of the id under the admin token: a new token ends every session"
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
