"""What the bot does with each kind of message: photos and image files are searched, the
callback buttons continue the conversation, a shared contact becomes a lead, and everything else
gets a short friendly answer. Customers' photos are held in memory for the search only."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from telegram import (
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import ContextTypes

from vitrina.catalog.models import Product, ProductImage
from vitrina.catalog.repository import in_shop
from vitrina.config import Settings
from vitrina.errors import ServiceUnavailable, VitrinaError
from vitrina.search.schemas import SearchResponse
from vitrina.search.searcher import Searcher
from vitrina.telegram import answers
from vitrina.telegram.chat_limits import ChatLimits
from vitrina.telegram.i18n import Language, language_of, text
from vitrina.telegram.orders import OrderRequest, PendingOrders, create_lead
from vitrina.telegram.search import search_more, search_photo

log = logging.getLogger("vitrina.telegram")
Context = ContextTypes.DEFAULT_TYPE


@dataclass
class BotHandlers:
    """The handlers of one bot, sharing the search, the database and the per-chat limits."""

    settings: Settings
    searcher: Searcher
    sessions: sessionmaker[Session]
    limits: ChatLimits
    links: answers.Links
    orders: PendingOrders = field(default_factory=PendingOrders)
    on_lead: Callable[[], None] | None = None
    """Wakes the lead sender, so the shop hears of an order within a second."""

    @staticmethod
    def language(update: Update) -> Language:
        user = update.effective_user
        return language_of(user.language_code if user is not None else None)

    # --- /start, /help and what the bot does not search ----------------------------------------

    async def help(self, update: Update, context: Context) -> None:
        """One short message: what to send, on an example photo from the catalog if there is one."""
        message = update.effective_message
        if message is None:
            return
        language = self.language(update)
        example = await asyncio.to_thread(self._example_photo)
        if example is not None:
            await message.reply_photo(example, caption=text(language, "help"))
        else:
            await message.reply_text(text(language, "help"))

    def _example_photo(self) -> str | None:
        """The address of one available product's photo, the newest (a real bouquet of the shop)."""
        query = (
            select(ProductImage.url)
            .join(Product, Product.id == ProductImage.product_id)
            .where(Product.enabled.is_(True))
            .order_by(Product.id.desc())
            .limit(1)
        )
        shop = self.settings.telegram_shop_id
        if shop is not None:
            query = query.where(in_shop(shop))
        with self.sessions() as session:
            url: str | None = session.scalar(query)
        return url if url is not None and url.startswith(("http://", "https://")) else None

    async def not_a_photo(self, update: Update, context: Context) -> None:
        """Stickers, videos, voice, files that are not images, plain text: ask for a photo."""
        message = update.effective_message
        if message is not None:
            await message.reply_text(text(self.language(update), "not_photo"))

    # --- a photo ---------------------------------------------------------------------------------

    async def photo(self, update: Update, context: Context) -> None:
        """Download the largest size through getFile, search, answer with an album and links."""
        message = update.effective_message
        if message is None:
            return
        language = self.language(update)
        if message.photo:
            file_id, size = message.photo[-1].file_id, message.photo[-1].file_size
        elif message.document is not None:
            file_id, size = message.document.file_id, message.document.file_size
        else:
            return
        limit = self.settings.image_max_bytes
        mb = limit // 1048576
        if size is not None and size > limit:
            await message.reply_text(text(language, "too_big", mb=mb))
            return
        async with self.limits.search_slot(message.chat_id) as allowed:
            if not allowed:
                await message.reply_text(text(language, "wait"))
                return
            telegram_file = await context.bot.get_file(file_id)
            if telegram_file.file_size is not None and telegram_file.file_size > limit:
                await message.reply_text(text(language, "too_big", mb=mb))
                return
            data = bytes(await telegram_file.download_as_bytearray())
            if len(data) > limit:
                await message.reply_text(text(language, "too_big", mb=mb))
                return
            response = await self._search(
                message,
                language,
                lambda: search_photo(
                    self.searcher,
                    self.sessions,
                    data,
                    message.caption,
                    language,
                    self.settings.telegram_shop_id,
                ),
            )
        if response is not None:
            await self.answer(message, response, language, more_page=1)

    async def _search(
        self, message: Message, language: str, run: Callable[[], SearchResponse]
    ) -> SearchResponse | None:
        """Run the blocking search in a thread; a refusal becomes a friendly message."""
        try:
            response = await asyncio.to_thread(run)
        except ServiceUnavailable:
            await message.reply_text(text(language, "later"))
            return None
        except VitrinaError as error:
            log.info("telegram: search refused the photo: %s", error)
            await message.reply_text(text(language, "unreadable"))
            return None
        return response

    async def answer(
        self,
        message: Message,
        response: SearchResponse,
        language: str,
        *,
        more_page: int,
        skip: int = 0,
    ) -> None:
        """The album (name and price per photo), then the links and the buttons; or, with
        nothing close, a plain answer and «Заказать похожий»."""
        results = answers.shown_results(response, limit=skip + answers.ALBUM_SIZE)[skip:]
        if not results:
            key = "no_more" if skip else "nothing"
            markup = answers.buttons([], response, language, self.links, more_page=more_page)
            told = f"{response.understood_text}\n" if response.understood_text else ""
            await message.reply_text(told + text(language, key), reply_markup=markup)
            return
        media = answers.album(results, response, language)
        if len(media) >= 2:
            await message.reply_media_group(media)
        elif media:
            await message.reply_photo(media[0].media, caption=media[0].caption)
        await message.reply_text(
            answers.summary(results, response, language),
            reply_markup=answers.buttons(
                results, response, language, self.links, more_page=more_page
            ),
        )

    # --- the buttons and the contact ------------------------------------------------------------

    async def button(self, update: Update, context: Context) -> None:
        """«Ещё похожие» shows the next album like the best match; «Заказать похожий» asks for
        the phone with Telegram's contact button."""
        query = update.callback_query
        if query is None:
            return
        await query.answer()
        message = query.message
        parsed = answers.parse_callback(query.data)
        if parsed is None or not isinstance(message, Message):
            return
        kind, first, second = parsed
        language = self.language(update)
        if kind == answers.ORDER:
            self.orders.remember(message.chat_id, first or None, second or None)
            keyboard = ReplyKeyboardMarkup(
                [[KeyboardButton(text(language, "share_phone"), request_contact=True)]],
                resize_keyboard=True,
                one_time_keyboard=True,
            )
            await message.reply_text(text(language, "ask_phone"), reply_markup=keyboard)
            return
        page = min(second, 20)
        async with self.limits.search_slot(message.chat_id) as allowed:
            if not allowed:
                await message.reply_text(text(language, "wait"))
                return
            count = (page + 1) * answers.ALBUM_SIZE
            response = await self._search(
                message,
                language,
                lambda: search_more(
                    self.searcher, self.sessions, first, count, self.settings.telegram_shop_id
                ),
            )
        if response is not None:
            await self.answer(
                message,
                response,
                language,
                more_page=page + 1,
                skip=(page - 1) * answers.ALBUM_SIZE,
            )

    async def contact(self, update: Update, context: Context) -> None:
        """The customer's own phone (not a forwarded contact) → a lead."""
        message = update.effective_message
        user = update.effective_user
        if message is None or message.contact is None or user is None:
            return
        language = self.language(update)
        if message.contact.user_id != user.id:
            await message.reply_text(text(language, "own_phone"))
            return
        product_id, search_id = self.orders.take(message.chat_id)
        order = OrderRequest(
            phone=message.contact.phone_number,
            name=message.contact.first_name,
            username=user.username,
            language=language,
            product_id=product_id,
            search_id=search_id,
        )
        await asyncio.to_thread(create_lead, self.sessions, self.settings, order)
        if self.on_lead is not None:
            self.on_lead()
        await message.reply_text(text(language, "thanks"), reply_markup=ReplyKeyboardRemove())
