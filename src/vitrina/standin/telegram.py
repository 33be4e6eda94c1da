"""A stand-in for the Telegram Bot API server, and the customers who write to the shop's bot.

Updates are made as Telegram sends them and handed out by ``getUpdates`` (long polling) or
posted to the ``setWebhook`` address with its ``secret_token``; the Bot API's side is
:mod:`vitrina.standin.telegram_api`, and it can answer 429 with ``retry_after`` or fail like an
outage (:meth:`fail_next`). Tests, the benchmark and the demo's pretend chat
(:mod:`vitrina.standin.telegram_chat`) drive it as customers would.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI
from PIL import Image

from vitrina.standin.serving import ServerThread, StartsAndStops, listening_socket
from vitrina.standin.telegram_api import BotApiServer, SentMessage
from vitrina.standin.telegram_chat import install_chat_page

__all__ = ["SentMessage", "TelegramStandIn"]


@dataclass
class TelegramStandIn(BotApiServer, StartsAndStops):
    """The Bot API server for one bot, with customers in private chats."""

    transcript: list[tuple[int, int, dict[str, Any]]] = field(default_factory=list)
    """What customers sent: (update id, chat id, update body); the pretend chat page shows it."""
    _serving: ServerThread = field(default_factory=lambda: ServerThread("Telegram stand-in"))
    # One client for every webhook post, as Telegram keeps its connections: a new httpx client
    # per post builds a TLS context each time, ~100 ms on a loaded machine.
    _webhook_client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=60))

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self, port: int = 0, host: str = "127.0.0.1") -> str:
        """Serve in a background thread; returns the root URL (``VITRINA_TELEGRAM_API_URL``)."""
        sock, self.base_url = listening_socket(host, port, backlog=512)
        self._serving.start(self.app(), sock)
        return self.base_url

    def stop(self) -> None:
        """Stop the background server (idempotent)."""
        self._webhook_client.close()
        self._serving.stop()

    def app(self) -> FastAPI:
        """The Bot API and, at ``/``, the demo's pretend chat."""
        app = super().app()
        install_chat_page(app, self)
        return app

    # --- customers -------------------------------------------------------------------------------

    def send_photo(
        self,
        chat_id: int,
        photo: bytes,
        *,
        caption: str | None = None,
        language: str = "ru",
        as_document: bool = False,
        mime_type: str = "image/jpeg",
    ) -> httpx.Response | None:
        """A customer sends a photo (Telegram stores it in sizes; ``as_document``: as a file)."""
        body = self.photo_update(
            chat_id,
            photo,
            caption=caption,
            language=language,
            as_document=as_document,
            mime_type=mime_type,
        )
        return self.deliver(chat_id, language, body)

    def photo_update(
        self,
        chat_id: int,
        photo: bytes,
        *,
        caption: str | None = None,
        language: str = "ru",
        as_document: bool = False,
        mime_type: str = "image/jpeg",
    ) -> dict[str, Any]:
        """The update a photo makes, stored but not yet delivered (:meth:`deliver` sends it)."""
        if as_document:
            stored = self.store(photo, "documents/file.jpg")
            content: dict[str, Any] = {
                "document": {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.unique_id,
                    "file_name": "bouquet.jpg",
                    "mime_type": mime_type,
                    "file_size": len(photo),
                }
            }
        else:
            content = {"photo": self._photo_sizes(photo)}
        if caption is not None:
            content["caption"] = caption
        return {"message": self._incoming(chat_id, language, content)}

    def send_message(
        self, chat_id: int, content: dict[str, Any], *, language: str = "ru"
    ) -> httpx.Response | None:
        """A customer sends anything else: ``{"text": "/start"}``, ``{"sticker": {...}}``, …"""
        if "text" in content and str(content["text"]).startswith("/"):
            command = str(content["text"]).split()[0]
            content = {
                **content,
                "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}],
            }
        return self.deliver(
            chat_id, language, {"message": self._incoming(chat_id, language, content)}
        )

    def press(
        self, chat_id: int, button: dict[str, Any], *, language: str = "ru"
    ) -> httpx.Response | None:
        """A customer presses an inline ``button`` (its ``callback_data`` comes back)."""
        query = {
            "id": str(next(self._ids)),
            "from": self._user(chat_id, language),
            "chat_instance": str(chat_id),
            "data": button["callback_data"],
            "message": self.outgoing(chat_id, {"text": "…"}),
        }
        return self.deliver(chat_id, language, {"callback_query": query})

    def share_contact(
        self, chat_id: int, phone: str, *, own: bool = True, language: str = "ru"
    ) -> httpx.Response | None:
        """A customer taps the contact button (``own=False``: forwards someone else's contact)."""
        contact = {
            "phone_number": phone,
            "first_name": "Айгерим",
            "user_id": chat_id if own else chat_id + 1,
        }
        return self.deliver(
            chat_id, language, {"message": self._incoming(chat_id, language, {"contact": contact})}
        )

    def messages(self, chat_id: int) -> list[SentMessage]:
        """What the bot sent to ``chat_id``, in order."""
        with self._lock:
            return list(self.by_chat.get(chat_id, ()))

    def _photo_sizes(self, photo: bytes) -> list[dict[str, Any]]:
        """A thumbnail and the photo as sent, smallest first, as Telegram lists them."""
        with Image.open(io.BytesIO(photo)) as image:
            width, height = image.size
            thumb = image.convert("RGB")
            thumb.thumbnail((90, 90))
            buffer = io.BytesIO()
            thumb.save(buffer, "JPEG")
        sizes = []
        for data, (w, h) in ((buffer.getvalue(), thumb.size), (photo, (width, height))):
            stored = self.store(data, "photos/file.jpg")
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.unique_id,
                    "width": w,
                    "height": h,
                    "file_size": len(data),
                }
            )
        return sizes

    def _user(self, chat_id: int, language: str) -> dict[str, Any]:
        return {"id": chat_id, "is_bot": False, "first_name": "Айгерим", "language_code": language}

    def _incoming(self, chat_id: int, language: str, content: dict[str, Any]) -> dict[str, Any]:
        return {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "from": self._user(chat_id, language),
            "chat": {"id": chat_id, "type": "private", "first_name": "Айгерим"},
            **content,
        }

    def deliver(self, chat_id: int, language: str, body: dict[str, Any]) -> httpx.Response | None:
        """Post the update to the webhook (its answer returned) or queue it for getUpdates."""
        update = {"update_id": next(self._ids), **body}
        with self._lock:
            self.transcript.append((update["update_id"], chat_id, body))
        if self.webhook_url:
            headers = (
                {"X-Telegram-Bot-Api-Secret-Token": self.webhook_secret}
                if self.webhook_secret
                else {}
            )
            return self._webhook_client.post(self.webhook_url, json=update, headers=headers)
        with self._lock:
            self.updates.append(update)
        return None
