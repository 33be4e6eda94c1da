"""The demo's pretend chat: a page on the Telegram stand-in where you are the customer.

``make run`` starts the stand-in with the demo and the bot long-polls it; this page shows the
conversation with chat ``CHAT_ID`` as a phone would (your photos, the bot's albums, text and
buttons) and sends what you do — a photo with a caption, a button, your phone — as the updates
Telegram would send. Plain HTML forms; it refreshes itself while the bot is answering.
"""

from __future__ import annotations

import asyncio
import html
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import UploadFile

if TYPE_CHECKING:
    from vitrina.standin.telegram import TelegramStandIn

CHAT_ID = 1001
STYLE = """body{font:15px system-ui,sans-serif;max-width:560px;margin:0 auto;background:#dfe7ee}
h1{font-size:17px;background:#517da2;color:#fff;margin:0;padding:12px}
.m{margin:8px;padding:8px 10px;border-radius:10px;max-width:80%;white-space:pre-wrap}
.me{background:#effdde;margin-left:auto}.bot{background:#fff}
.m img{max-width:100%;border-radius:6px;display:block;margin-bottom:4px}
.album{display:grid;grid-template-columns:repeat(auto-fill,minmax(110px,1fr));gap:4px}
.b{display:block;margin-top:4px;padding:6px;border-radius:6px;background:#e6eef5;color:#2a5885;
text-align:center;text-decoration:none;border:0;width:100%;font:inherit;cursor:pointer}
form.send{background:#fff;padding:8px;display:flex;flex-wrap:wrap;gap:6px}
form.send input{max-width:100%;min-width:0}form.send input[name=caption]{flex:1}"""


def install_chat_page(app: FastAPI, standin: TelegramStandIn) -> None:
    """Mount ``/`` (the chat) and the customer's actions on the stand-in's app."""

    @app.get("/", response_class=HTMLResponse)
    def chat() -> str:
        return _page(standin)

    @app.get("/chat/file/{file_id}")
    def customer_file(file_id: str) -> Response:
        stored = standin.files.get(file_id)
        if stored is None:
            return Response(status_code=404)
        return Response(stored.data, media_type="image/jpeg")

    @app.post("/chat/photo")
    async def send_photo(request: Request) -> Response:
        form = await request.form()
        photo, caption = form.get("photo"), str(form.get("caption") or "").strip()
        if isinstance(photo, UploadFile):
            data = await photo.read()
            if data:
                await asyncio.to_thread(standin.send_photo, CHAT_ID, data, caption=caption or None)
        return RedirectResponse("/", status_code=303)

    @app.post("/chat/press")
    async def press(request: Request) -> Response:
        form = await request.form()
        button = {"callback_data": str(form.get("data") or "")}
        await asyncio.to_thread(standin.press, CHAT_ID, button)
        return RedirectResponse("/", status_code=303)

    @app.post("/chat/contact")
    async def contact(request: Request) -> Response:
        form = await request.form()
        phone = str(form.get("phone") or "+77010000000")
        await asyncio.to_thread(standin.share_contact, CHAT_ID, phone)
        return RedirectResponse("/", status_code=303)


def _page(standin: TelegramStandIn) -> str:
    entries: list[tuple[int, str]] = []
    for seq, chat_id, body in list(standin.transcript):
        if chat_id == CHAT_ID:
            entries.append((seq, f'<div class="m me">{_customer(body)}</div>'))
    groups: dict[str, list[str]] = {}
    for sent in standin.messages(CHAT_ID):
        seq = int(sent.message["message_id"])
        group = sent.message.get("media_group_id")
        if group is not None:
            if group not in groups:
                groups[group] = []
                entries.append((seq, f"<!--album:{group}-->"))
            groups[group].append(_bot_photo(sent.params.get("media", {}).get("media"), sent.text))
            continue
        entries.append(
            (seq, f'<div class="m bot">{_bot(sent.method, sent.params, sent.text)}</div>')
        )
    shown = []
    for _, fragment in sorted(entries):
        if fragment.startswith("<!--album:"):
            items = "".join(groups[fragment[10:-3]])
            fragment = f'<div class="m bot"><div class="album">{items}</div></div>'
        shown.append(fragment)
    waiting = bool(entries) and sorted(entries)[-1][1].startswith('<div class="m me">')
    refresh = '<meta http-equiv="refresh" content="2">' if waiting else ""
    return (
        f'<!doctype html><html lang="ru"><head><meta charset="utf-8">{refresh}'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>Чат с ботом магазина</title><style>{STYLE}</style></head><body>"
        "<h1>Витрина · бот магазина (пример чата)</h1>"
        + "".join(shown)
        + '<form class="send" method="post" action="/chat/photo" enctype="multipart/form-data">'
        '<input type="file" name="photo" accept="image/*" required>'
        '<input name="caption" placeholder="Подпись, например: до 20 000">'
        "<button>Отправить</button></form></body></html>"
    )


def _customer(body: dict[str, Any]) -> str:
    if "callback_query" in body:
        return f"Нажата кнопка ({html.escape(str(body['callback_query'].get('data')))})"
    message = body.get("message", {})
    parts = []
    if message.get("photo"):
        parts.append(
            f'<img src="/chat/file/{html.escape(message["photo"][-1]["file_id"])}" alt="">'
        )
    if message.get("contact"):
        parts.append(f"📞 {html.escape(message['contact']['phone_number'])}")
    parts.append(html.escape(str(message.get("caption") or message.get("text") or "")))
    return "".join(parts)


def _bot_photo(url: Any, caption: str) -> str:
    src = html.escape(str(url)) if isinstance(url, str) and url.startswith("http") else ""
    return f'<div><img src="{src}" alt="">{html.escape(caption)}</div>'


def _bot(method: str, params: dict[str, Any], text: str) -> str:
    parts = (
        [_bot_photo(params.get("photo"), text)] if method == "sendPhoto" else [html.escape(text)]
    )
    markup = params.get("reply_markup") or {}
    for row in markup.get("inline_keyboard", []):
        for button in row:
            label = html.escape(str(button.get("text")))
            if "url" in button:
                parts.append(
                    f'<a class="b" href="{html.escape(button["url"])}" target="_blank">{label}</a>'
                )
            else:
                data = html.escape(str(button.get("callback_data")))
                parts.append(
                    f'<form method="post" action="/chat/press"><input type="hidden" name="data" '
                    f'value="{data}"><button class="b">{label}</button></form>'
                )
    for row in markup.get("keyboard", []):
        for button in row:
            if button.get("request_contact"):
                parts.append(
                    '<form method="post" action="/chat/contact"><input type="hidden" name="phone" '
                    f'value="+77010000000"><button class="b">{html.escape(str(button["text"]))}'
                    "</button></form>"
                )
    return "".join(parts)
