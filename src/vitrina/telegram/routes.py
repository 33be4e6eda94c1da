"""``POST /api/v1/telegram/webhook``: updates Telegram pushes to the bot, checked with the secret
token Telegram sends back in ``X-Telegram-Bot-Api-Secret-Token`` (``setWebhook``'s ``secret_token``).

The update is queued and answered 200 at once: Telegram waits for the answer before it sends
the chat's next update, and resends an update it got no 200 for (the bot skips repeats).
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request

from vitrina.errors import InvalidPayload, NotFound, ServiceUnavailable, Unauthorized
from vitrina.http.deps import ServicesDep
from vitrina.http.json_body import loads_strict

if TYPE_CHECKING:  # the library (0.1 s) loads only when a bot is configured
    from vitrina.telegram.bot import TelegramBot

router = APIRouter(tags=["telegram"])
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name, not a secret)


def webhook_bot(request: Request) -> TelegramBot | None:
    """The bot this app runs in webhook mode, if any."""
    bot: TelegramBot | None = getattr(request.app.state, "telegram", None)
    return bot if bot is not None and not bot.polling else None


@router.post("/api/v1/telegram/webhook", include_in_schema=False)
async def telegram_webhook(request: Request, services: ServicesDep) -> dict[str, Any]:
    """One update from Telegram for the shop's bot."""
    secret = services.settings.telegram_webhook_secret
    bot = webhook_bot(request)
    if bot is None or secret is None:
        raise NotFound(
            "The Telegram webhook is off: set VITRINA_TELEGRAM_BOT_TOKEN and "
            "VITRINA_TELEGRAM_WEBHOOK_SECRET."
        )
    offered = request.headers.get(SECRET_HEADER, "")
    if not offered.isascii() or not hmac.compare_digest(offered.encode(), secret.encode()):
        raise Unauthorized(f"{SECRET_HEADER}: wrong or missing")
    if not bot.running:
        raise ServiceUnavailable("The Telegram bot is still connecting to the Bot API.")
    payload = loads_strict(await request.body())
    if not isinstance(payload, dict) or type(payload.get("update_id")) is not int:
        raise InvalidPayload(
            "update_id: a Telegram update is an object with an integer update_id",
            field="update_id",
        )
    try:
        queued = await bot.feed(payload)
    except Exception as error:  # PTB's parser raises whatever a malformed object triggers
        raise InvalidPayload(f"update: not a Telegram update ({error})", field="update") from error
    return {"ok": True, "queued": queued}
