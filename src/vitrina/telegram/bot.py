"""The bot as one object: python-telegram-bot's Application with Vitrina's handlers, started in
``vitrina serve``'s lifespan or by ``vitrina telegram``, fed by long polling or by the webhook.

The Bot API's root is ``VITRINA_TELEGRAM_API_URL`` (Telegram's, a self-hosted ``telegram-bot-api``,
or the tests' stand-in): methods are ``<root>/bot<token>/<method>``, files
``<root>/file/bot<token>/<file_path>``.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from telegram import Update
from telegram.error import NetworkError, TimedOut
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from vitrina.config import Settings
from vitrina.errors import ConfigurationError
from vitrina.search.searcher import Searcher
from vitrina.telegram.answers import Links
from vitrina.telegram.api_retries import RetryingRequests
from vitrina.telegram.chat_limits import WAITING_PER_SLOT, ChatLimits
from vitrina.telegram.handlers import BotHandlers
from vitrina.telegram.i18n import language_of, text

log = logging.getLogger("vitrina.telegram")
UPDATES = ["message", "callback_query"]  # all the bot answers; Telegram sends nothing else
SEEN_UPDATES = 2048  # Telegram redelivers a webhook update it got no 200 for: skip repeats


def bot_api_urls(settings: Settings) -> tuple[str, str]:
    """The method and file URL prefixes, to which python-telegram-bot appends the token."""
    root = settings.telegram_api_url
    return f"{root}/bot", f"{root}/file/bot"


class TelegramBot:
    """The shop's bot: handlers registered once, started and stopped with the process."""

    def __init__(
        self,
        settings: Settings,
        searcher: Searcher,
        sessions: sessionmaker[Session],
        *,
        retries: RetryingRequests | None = None,
        on_lead: Callable[[], None] | None = None,
    ) -> None:
        if not settings.telegram_bot_token:
            raise ConfigurationError("VITRINA_TELEGRAM_BOT_TOKEN is not set")
        self.settings = settings
        base_url, file_url = bot_api_urls(settings)
        builder = (
            ApplicationBuilder()
            .token(settings.telegram_bot_token)
            .base_url(base_url)
            .base_file_url(file_url)
            .rate_limiter(retries or RetryingRequests())
            # Updates are handled concurrently: a quick answer (a button, «Подождите немного»)
            # never waits behind the searches, which ChatLimits bounds and queues.
            .concurrent_updates(settings.telegram_concurrency * (WAITING_PER_SLOT + 2))
            .connection_pool_size(32)
        )
        self.application: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        self.handlers = BotHandlers(
            settings=settings,
            searcher=searcher,
            sessions=sessions,
            limits=ChatLimits(
                settings.telegram_chat_rate_limit,
                settings.telegram_chat_rate_burst,
                settings.telegram_concurrency,
            ),
            links=Links(settings.public_url),
            on_lead=on_lead,
        )
        self._register()
        self._seen: deque[int] = deque(maxlen=SEEN_UPDATES)
        self.polling = False
        self.running = False
        self._starting: asyncio.Task[None] | None = None

    def _register(self) -> None:
        h = self.handlers
        app = self.application
        app.add_handler(CommandHandler(["start", "help"], h.help))
        app.add_handler(MessageHandler(filters.PHOTO | filters.Document.IMAGE, h.photo))
        app.add_handler(MessageHandler(filters.CONTACT, h.contact))
        app.add_handler(CallbackQueryHandler(h.button))
        app.add_handler(MessageHandler(filters.ALL, h.not_a_photo))
        app.add_error_handler(self._on_error)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A failure the retries did not fix: logged, and the customer told, never silent."""
        log.error("telegram: an update failed: %s", context.error, exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            user = update.effective_user
            language = language_of(user.language_code if user else None)
            try:
                await context.bot.send_message(update.effective_chat.id, text(language, "later"))
            except Exception as error:  # the Bot API itself is out: the log is all there is
                log.error("telegram: could not tell chat %s: %s", update.effective_chat.id, error)

    async def start(self, *, polling: bool) -> None:
        """Connect to the Bot API and start handling updates (polling them, or from ``feed``)."""
        await self.application.initialize()
        await self.application.start()
        if polling:
            assert self.application.updater is not None
            # A webhook left registered makes getUpdates fail with 409: polling replaces it.
            await self.application.bot.delete_webhook()
            await self.application.updater.start_polling(allowed_updates=UPDATES)
            self.polling = True
        self.running = True
        log.info("telegram: bot started (%s)", "long polling" if polling else "webhook")

    def start_soon(
        self, *, polling: bool, ready: Callable[[], bool] = lambda: True, retry_s: float = 5.0
    ) -> None:
        """Start in the background once ``ready`` (the database is there), retrying while the
        Bot API cannot be reached, so that the API serves the shop's pages and webhooks
        meanwhile."""

        async def keep_trying() -> None:
            # Readiness is marked by the start-up thread, which has no event for a loop to await.
            while not ready():  # noqa: ASYNC110
                await asyncio.sleep(0.5)
            while True:
                try:
                    await self.start(polling=polling)
                    return
                except (NetworkError, TimedOut) as error:
                    log.warning(
                        "telegram: Bot API not reached (%s); retrying in %g s", error, retry_s
                    )
                    if self.application.running:
                        await self.application.stop()
                    await asyncio.sleep(retry_s)

        self._starting = asyncio.get_running_loop().create_task(keep_trying())

    async def stop(self) -> None:
        """Stop polling, finish the updates in hand, disconnect."""
        if self._starting is not None and not self._starting.done():
            self._starting.cancel()
        self.running = False
        if self.polling and self.application.updater is not None:
            await self.application.updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()

    async def feed(self, payload: dict[str, Any]) -> bool:
        """Queue one update from the webhook; ``False`` for one already seen (a redelivery)."""
        update = Update.de_json(payload, self.application.bot)
        if update.update_id in self._seen:
            return False
        self._seen.append(update.update_id)
        await self.application.update_queue.put(update)
        return True

    async def set_webhook(self, url: str) -> None:
        """Register ``url`` with Telegram, with the secret it will send back in each request."""
        await self.application.bot.set_webhook(
            url, secret_token=self.settings.telegram_webhook_secret, allowed_updates=UPDATES
        )
