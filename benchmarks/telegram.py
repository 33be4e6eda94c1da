"""The Telegram bot against the plain search API, on one live ``vitrina serve`` (SQLite, the
search process as in production), the bot in webhook mode on the Bot API stand-in.

1. ``search API``: a customer's photo uploaded to ``/api/v1/search/upload``, one after another
   — the baseline;
2. ``photo in → album out``: the same photos sent to the bot, one after another, each from a new
   chat: from the stand-in posting the update to the webhook until the bot's message with the
   links has reached the stand-in (getFile, the download, the search, sendMediaGroup, sendMessage);
3. ``20 chats at once``: 20 customers each sending a photo and waiting for the answer before the
   next (closed loop) for ``--seconds``: photos answered per second, and how many of those were
   «Подождите немного» rather than an album (``VITRINA_TELEGRAM_CONCURRENCY`` searches at once,
   four times as many queued), against as many callers of the search API.

Prints p50/p95 of 1 and 2 and their ratio (target ≤ 1.3×) and the rate of 3.
Run: ``.venv/bin/python benchmarks/telegram.py [--rounds 30] [--seconds 20] [--products 60]``.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._server import percentile, vitrina_server
from benchmarks.freshness import distinct_jpegs, product, wait_idle
from tests.support.photos import altered, jpeg, photo_server, sample_photos
from tests.support.webhooks import send

from vitrina.ingest.signatures import new_secret
from vitrina.standin.telegram import TelegramStandIn

SECRET = new_secret()
TG_SECRET = "bench-secret"
SEARCH_MS: list[float] = []  # the API's own search_time_ms of each upload


def answered(telegram: TelegramStandIn, chat_id: int, before: int) -> bool:
    """Whether the bot's last message for this photo (the links, or a plain answer) arrived."""
    sent = telegram.messages(chat_id)[before:]
    return any(m.buttons or m.method == "sendMessage" for m in sent)


def wait_answer(telegram: TelegramStandIn, chat_id: int, before: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not answered(telegram, chat_id, before):
        if time.monotonic() > deadline:
            raise RuntimeError(f"no answer in chat {chat_id}")
        time.sleep(0.002)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--products", type=int, default=60)
    parser.add_argument("--chats", type=int, default=20)
    args = parser.parse_args()

    catalog = distinct_jpegs(args.products)
    queries = [jpeg(altered(p)) for p in sample_photos().values()]
    with photo_server() as photos, TelegramStandIn() as telegram:
        urls = [photos.add(f"/p/{i}.jpg", data) for i, data in enumerate(catalog)]
        env = {
            "VITRINA_DATABASE_URL": f"sqlite:///{Path(tempdir()) / 'bench.db'}",
            "VITRINA_WEBHOOK_SECRETS": SECRET,
            "VITRINA_IMAGE_HOSTS_ALLOW": "127.0.0.1",
            "VITRINA_SEARCH_RATE_LIMIT": "0",
            "VITRINA_TELEGRAM_BOT_TOKEN": telegram.token,
            "VITRINA_TELEGRAM_API_URL": telegram.base_url,
            "VITRINA_TELEGRAM_WEBHOOK_SECRET": TG_SECRET,
            "VITRINA_TELEGRAM_CHAT_RATE_LIMIT": "0",
            "VITRINA_PUBLIC_URL": "https://vitrina.shop.kz",
        }
        with vitrina_server(env) as base, httpx.Client(base_url=base, timeout=60) as client:
            for i, url in enumerate(urls):
                send(client, "created", product(i, url), secret=SECRET).raise_for_status()
            wait_idle(client, timeout=600)
            telegram.webhook_url = f"{base}/api/v1/telegram/webhook"
            telegram.webhook_secret = TG_SECRET
            warm(client, telegram, queries)

            SEARCH_MS.clear()  # the warm-up's
            api: list[float] = []
            bot: list[float] = []
            steps: list[dict[str, float]] = []
            for n in range(args.rounds):
                photo = queries[n % len(queries)]
                # Each pair in both orders, so neither side always follows the other's tail.
                for side in ("api", "bot") if n % 2 == 0 else ("bot", "api"):
                    if side == "api":
                        api.append(time_api(client, photo))
                    else:
                        took, step = time_bot(telegram, 10_000 + n, photo)
                        bot.append(took)
                        steps.append(step)

            rate, busy, total = load(telegram, queries, args.chats, args.seconds)
            api_rate = api_load(base, queries, args.chats, args.seconds)

    a50, a95, b50, b95 = (
        percentile(api, 0.5),
        percentile(api, 0.95),
        percentile(bot, 0.5),
        percentile(bot, 0.95),
    )
    print(f"{'':<28} {'p50 ms':>8} {'p95 ms':>8}  ratio p50 / p95")
    print(f"{'search API (baseline)':<28} {a50:>8.1f} {a95:>8.1f}")
    inside = SEARCH_MS[: len(api)]
    print(
        f"{'  its search_time_ms':<28} {percentile(inside, 0.5):>8.1f} {percentile(inside, 0.95):>8.1f}"
    )
    print(
        f"{'photo in → album out':<28} {b50:>8.1f} {b95:>8.1f}  {b50 / a50:.2f}x / {b95 / a95:.2f}x"
    )
    names = ["getFile", "download", "sendMediaGroup", "sendPhoto", "sendMessage"]
    medians = {
        n: percentile([st[n] for st in steps if n in st], 0.5)
        for n in names
        if any(n in st for st in steps)
    }
    print(
        "bot's requests, p50 ms after the update was posted: "
        + ", ".join(f"{n} {v:.1f}" for n, v in medians.items())
    )
    print(
        f"{args.chats} chats at once: {rate:.1f} photos/s answered ({total} in {args.seconds:g} s, "
        f"{busy} of them «Подождите немного»); {args.chats} clients of the search API: "
        f"{api_rate:.1f} searches/s ({rate / api_rate:.2f}x)"
    )


def time_api(client: httpx.Client, photo: bytes) -> float:
    """One upload to the search API, ms."""
    started = time.perf_counter()
    response = client.post("/api/v1/search/upload", files={"file": ("q.jpg", photo, "image/jpeg")})
    response.raise_for_status()
    SEARCH_MS.append(float(response.json()["search_time_ms"]))
    return (time.perf_counter() - started) * 1000


def time_bot(telegram: TelegramStandIn, chat: int, photo: bytes) -> tuple[float, dict[str, float]]:
    """One photo to the bot until its links arrive, ms, and when each of its requests came."""
    update = telegram.photo_update(chat, photo)  # Telegram's side: not timed
    mark = len(telegram.timeline)
    started = time.perf_counter()
    telegram.deliver(chat, "ru", update)
    wait_answer(telegram, chat, 0)
    took = (time.perf_counter() - started) * 1000
    return took, breakdown(telegram.timeline[mark:], started)


def breakdown(timeline: list[tuple[str, int, float]], started: float) -> dict[str, float]:
    """When each of the bot's requests for one answer reached the stand-in (ms after the post)."""
    seen: dict[str, float] = {}
    for method, _, at in timeline:
        seen.setdefault(method, (at - started) * 1000)
    return seen


def tempdir() -> str:
    import tempfile

    return tempfile.mkdtemp(prefix="vitrina-bench-telegram-")


def warm(client: httpx.Client, telegram: TelegramStandIn, queries: list[bytes]) -> None:
    """The model, the index and the bot's connections warm before anything is timed."""
    for n, photo in enumerate(queries):
        client.post("/api/v1/search/upload", files={"file": ("q.jpg", photo, "image/jpeg")})
        telegram.send_photo(9_000 + n, photo)
        wait_answer(telegram, 9_000 + n, 0)


def api_load(base: str, queries: list[bytes], clients: int, seconds: float) -> float:
    """``clients`` callers of the search API in a closed loop for ``seconds``: searches/s."""
    counts = [0] * clients
    stop = time.monotonic() + seconds

    def caller(k: int) -> None:
        with httpx.Client(base_url=base, timeout=60) as client:
            while time.monotonic() < stop:
                time_api(client, queries[(k + counts[k]) % len(queries)])
                counts[k] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=caller, args=(k,)) for k in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.monotonic() - started)


def load(
    telegram: TelegramStandIn, queries: list[bytes], chats: int, seconds: float
) -> tuple[float, int, int]:
    """``chats`` customers in a closed loop for ``seconds``: (answers/s, busy answers, answers)."""
    counts = [0] * chats
    stop = time.monotonic() + seconds

    def customer(k: int) -> None:
        chat = 20_000 + k
        while time.monotonic() < stop:
            before = len(telegram.messages(chat))
            telegram.send_photo(chat, queries[(k + counts[k]) % len(queries)])
            wait_answer(telegram, chat, before)
            counts[k] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=customer, args=(k,)) for k in range(chats)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    busy = sum(
        1
        for k in range(chats)
        for m in telegram.messages(20_000 + k)
        if m.text.startswith("Подождите немного")
    )
    return sum(counts) / elapsed, busy, sum(counts)


if __name__ == "__main__":
    main()
