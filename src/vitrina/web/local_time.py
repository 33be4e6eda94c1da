"""Times on the pages in the shop's time zone (``VITRINA_TIMEZONE``, Asia/Almaty by default):
a manager in Almaty reads 15:42 when a webhook arrived at 15:42 on her clock, not 10:42 UTC."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from jinja2 import pass_context
from jinja2.runtime import Context

DEFAULT_ZONE = "Asia/Almaty"


def shop_zone(context: Context) -> ZoneInfo:
    """The zone of the app serving this page (the default when there are no settings yet)."""
    request = context.get("request")
    services = getattr(getattr(request, "app", None), "state", None)
    settings = getattr(getattr(services, "services", None), "settings", None)
    return ZoneInfo(getattr(settings, "timezone", None) or DEFAULT_ZONE)


@pass_context
def when(context: Context, value: datetime | None) -> str:
    """A timestamp as ``07.12.2026 15:42:55`` in the shop's zone."""
    if value is None:
        return "—"
    return value.astimezone(shop_zone(context)).strftime("%d.%m.%Y %H:%M:%S")


@pass_context
def zone_name(context: Context) -> str:
    """``Asia/Almaty (UTC+05:00)``: said once on the dashboard, so times need no suffix."""
    zone = shop_zone(context)
    offset = datetime.now(zone).strftime("%z")
    return f"{zone.key} (UTC{offset[:3]}:{offset[3:]})"
