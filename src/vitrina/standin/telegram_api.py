"""The Bot API side of the Telegram stand-in: its methods, files and faults, in the real wire
format (``https://core.telegram.org/bots/api``).

Methods at ``/bot<token>/<method>`` take JSON, form or multipart parameters and answer
``{"ok": true, "result": …}`` or ``{"ok": false, "error_code": …, "description": …}`` (429 with
``parameters.retry_after``); files are served at ``/file/bot<token>/<file_path>``.
:mod:`vitrina.standin.telegram` adds the customers and the lifecycle.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

BOT_ID = 7000000001
BOT_USERNAME = "vitrina_shop_bot"
JSON_PARAMS = {"reply_markup", "media", "allowed_updates", "entities", "caption_entities"}
MAX_POLL_S = 50.0


@dataclass
class SentMessage:
    """One message the bot sent, as the stand-in stored it (``params`` as the bot gave them)."""

    method: str
    chat_id: int
    params: dict[str, Any]
    message: dict[str, Any]

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """The inline keyboard's buttons, row after row."""
        markup = self.params.get("reply_markup") or {}
        return [b for row in markup.get("inline_keyboard", []) for b in row]


@dataclass
class _Fault:
    method: str
    status: int
    retry_after: int | None
    times: int


@dataclass
class _File:
    file_id: str
    unique_id: str
    path: str
    data: bytes


@dataclass
class BotApiServer:
    """The Bot API server for one bot ``token``: what the bot sent, the files, the updates."""

    token: str = "123456:stand-in-token"  # noqa: S105 (the stand-in's own, not a secret)
    updates: list[dict[str, Any]] = field(default_factory=list)
    sent: list[SentMessage] = field(default_factory=list)
    by_chat: dict[int, list[SentMessage]] = field(default_factory=dict)
    download_gate: threading.Event | None = None
    calls: list[str] = field(default_factory=list)
    timeline: list[tuple[str, int, float]] = field(default_factory=list)
    """(method or ``download``, chat id or 0, ``time.perf_counter()``) of every request, as it
    arrived: the benchmark's breakdown of an answer."""
    downloads: list[str] = field(default_factory=list)
    callback_answers: list[dict[str, Any]] = field(default_factory=list)
    webhook_url: str | None = None
    webhook_secret: str | None = None
    files: dict[str, _File] = field(default_factory=dict)
    _faults: list[_Fault] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.RLock = field(default_factory=threading.RLock)
    base_url: str = ""

    # --- misbehaving on purpose ------------------------------------------------------------------

    def fail_next(
        self, method: str, *, status: int = 429, retry_after: int | None = None, times: int = 1
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with ``status`` (429: with
        ``retry_after`` seconds, as Telegram's flood control does)."""
        with self._lock:
            self._faults.append(_Fault(method, status, retry_after, times))

    def _take_fault(self, method: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.method == method and fault.times > 0:
                    fault.times -= 1
                    return fault
        return None

    # --- the server ------------------------------------------------------------------------------

    def app(self) -> FastAPI:
        app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

        @app.api_route("/bot{token}/{method}", methods=["GET", "POST"])
        async def method(token: str, method: str, request: Request) -> Response:
            if token != self.token:
                return _error(401, "Unauthorized")
            params = await _params(request)
            self.calls.append(method)
            self.timeline.append((method, _chat_of(params), time.perf_counter()))
            fault = self._take_fault(method)
            if fault is not None:
                if fault.status == 429:
                    return _error(
                        429,
                        f"Too Many Requests: retry after {fault.retry_after}",
                        {"retry_after": fault.retry_after or 1},
                    )
                return _error(
                    fault.status, "Bad Gateway" if fault.status == 502 else "Internal Server Error"
                )
            if method == "getUpdates":
                return await self._get_updates(params)
            handler = getattr(self, f"_m_{method}", None)
            if handler is None:
                return _error(404, "Not Found: method not found")
            try:
                result = handler(params)
            except ApiError as error:
                return _error(400, f"Bad Request: {error}")
            return JSONResponse({"ok": True, "result": result})

        @app.get("/file/bot{token}/{path:path}")
        def download(token: str, path: str) -> Response:
            stored = next((f for f in self.files.values() if f.path == path), None)
            if token != self.token or stored is None:
                return _error(404, "Not Found")
            self.downloads.append(path)
            self.timeline.append(("download", 0, time.perf_counter()))
            if self.download_gate is not None:  # a download in progress for as long as a test needs
                self.download_gate.wait(timeout=120)
            return Response(stored.data, media_type="application/octet-stream")

        return app

    async def _get_updates(self, params: dict[str, Any]) -> Response:
        if self.webhook_url:
            return _error(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), MAX_POLL_S)
        while True:
            with self._lock:
                if offset:
                    self.updates = [u for u in self.updates if u["update_id"] >= offset]
                ready = self.updates[: int(params.get("limit") or 100)]
            if ready or time.monotonic() >= deadline:
                return JSONResponse({"ok": True, "result": ready})
            await asyncio.sleep(0.02)

    def _m_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Витрина",
            "username": BOT_USERNAME,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _m_setWebhook(self, params: dict[str, Any]) -> bool:
        url = str(params.get("url") or "")
        self.webhook_url = url or None
        self.webhook_secret = params.get("secret_token") or None
        return True

    def _m_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook_url = self.webhook_secret = None
        return True

    def _m_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": self.webhook_url or "",
            "has_custom_certificate": False,
            "pending_update_count": 0,
        }

    def _m_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        stored = self.files.get(str(params.get("file_id")))
        if stored is None:
            raise ApiError("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.unique_id,
            "file_size": len(stored.data),
            "file_path": stored.path,
        }

    def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        if not str(params.get("text") or "").strip():
            raise ApiError("message text is empty")
        return self._record("sendMessage", params, {"text": params["text"]})

    def _m_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._record(
            "sendPhoto",
            params,
            {
                "photo": self._sent_photo(params.get("photo")),
                **({"caption": params["caption"]} if params.get("caption") else {}),
            },
        )

    def _m_sendMediaGroup(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        media = params.get("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise ApiError("wrong number of media in the album: must be 2-10")
        group = str(next(self._ids))
        return [
            self._record(
                "sendMediaGroup",
                {**params, "media": item, "caption": item.get("caption")},
                {
                    "photo": self._sent_photo(item.get("media")),
                    "media_group_id": group,
                    **({"caption": item["caption"]} if item.get("caption") else {}),
                },
            )
            for item in media
        ]

    def _m_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        self.callback_answers.append(params)
        return True

    def _m_sendChatAction(self, params: dict[str, Any]) -> bool:
        return True

    # --- wire format helpers ---------------------------------------------------------------------

    def _record(
        self, method: str, params: dict[str, Any], content: dict[str, Any]
    ) -> dict[str, Any]:
        chat_id = int(params.get("chat_id") or 0)
        if not chat_id:
            raise ApiError("chat not found")
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            content["reply_markup"] = markup  # a Message carries only inline keyboards
        message = self.outgoing(chat_id, content)
        with self._lock:
            sent = SentMessage(method, chat_id, params, message)
            self.sent.append(sent)
            self.by_chat.setdefault(chat_id, []).append(sent)
        return message

    def _sent_photo(self, photo: Any) -> list[dict[str, Any]]:
        if not isinstance(photo, str | bytes) or not photo:
            raise ApiError("there is no photo in the request")
        stored = self.store(
            photo if isinstance(photo, bytes) else photo.encode(), "photos/sent.jpg"
        )
        return [
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.unique_id,
                "width": 800,
                "height": 800,
            }
        ]

    def store(self, data: bytes, name: str) -> _File:
        n = next(self._ids)
        folder, _, file_name = name.rpartition("/")
        stored = _File(f"file-{n}-{BOT_ID}", f"u{n}", f"{folder}/file_{n}_{file_name}", data)
        with self._lock:
            self.files[stored.file_id] = stored
        return stored

    def outgoing(self, chat_id: int, content: dict[str, Any]) -> dict[str, Any]:
        return {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "from": {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "Витрина",
                "username": BOT_USERNAME,
            },
            "chat": {"id": chat_id, "type": "private", "first_name": "Айгерим"},
            **content,
        }


class ApiError(Exception):
    """A 400 the real Bot API would answer for the same request."""


async def _params(request: Request) -> dict[str, Any]:
    """Parameters as the Bot API reads them: the query string, then a JSON, form or multipart
    body; in a form, objects (``reply_markup``, ``media``) are JSON-serialized strings."""
    params: dict[str, Any] = dict(request.query_params)
    kind = request.headers.get("content-type", "")
    if kind.startswith("application/json"):
        body = await request.body()
        params.update(json.loads(body) if body else {})
        return params
    if kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                params[key] = await value.read()
            elif key in JSON_PARAMS:
                params[key] = json.loads(value)
            else:
                params[key] = value
        # An album's uploaded photos are named attach://<field>.
        for item in params.get("media") or [] if isinstance(params.get("media"), list) else []:
            ref = item.get("media")
            if isinstance(ref, str) and ref.startswith("attach://"):
                item["media"] = params.get(ref.removeprefix("attach://"), ref)
    return params


def _chat_of(params: dict[str, Any]) -> int:
    try:
        return int(params.get("chat_id") or 0)
    except (TypeError, ValueError):
        return 0


def _error(status: int, description: str, parameters: dict[str, Any] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return JSONResponse(body, status_code=status)
