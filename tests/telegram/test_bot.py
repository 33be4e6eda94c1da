"""The shop's Telegram bot, driven through the Bot API stand-in as customers use it."""

from __future__ import annotations

import io
import threading
from urllib.parse import urlsplit

import numpy as np
from PIL import Image

from tests.conftest import ADMIN_TOKEN, SECRET
from tests.search.test_visual_search import wait_until_idle
from tests.support.eventually import eventually
from tests.support.photos import altered, jpeg, photo_server
from tests.support.webhooks import sample_product, send
from tests.telegram.conftest import PUBLIC, WEBHOOK_SECRET, BotShop

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def counter(shop: BotShop, name: str) -> float:
    """The telegram channel's value of a counter in ``/metrics`` (0 before its first count)."""
    line = f'{name}{{channel="telegram"}} '
    metrics = shop.client.get("/metrics", headers=ADMIN).text.splitlines()
    return next((float(m.removeprefix(line)) for m in metrics if m.startswith(line)), 0.0)


def album_and_links(shop: BotShop, chat_id: int, sent_before: int = 0):
    """The bot's answer to one photo: the album's captions and the message with the buttons."""

    def complete():
        answer = shop.telegram.messages(chat_id)[sent_before:]
        assert any(m.buttons for m in answer), [m.text for m in answer]
        return answer

    answer = eventually(complete, timeout=120, what=f"the answer in chat {chat_id}")
    links = next(m for m in answer if m.buttons)
    captions = [m.text for m in answer if m.method in ("sendMediaGroup", "sendPhoto")]
    return captions, links


def test_photo_through_the_webhook_gets_the_product_first_with_its_price_and_link(
    bot_shop, database_url
):
    with bot_shop("webhook", database=database_url) as shop:
        searches_before = counter(shop, "vitrina_searches_total")
        clicks_before = counter(shop, "vitrina_result_clicks_total")
        delivered = shop.telegram.send_photo(42, jpeg(altered(shop.photos["chelsea"])))
        assert delivered is not None and delivered.status_code == 200
        captions, links = album_and_links(shop, 42)
        assert captions[0].startswith("Букет chelsea — 18 500 ₸")
        assert links.text.splitlines()[1].startswith("1. Букет chelsea — 18 500 ₸")
        first = links.buttons[0]
        assert first["url"].startswith(f"{PUBLIC}/go/501?s=")
        # The largest size was downloaded, not the thumbnail, and nothing was kept.
        assert len(shop.telegram.downloads) == 1 and "file_" in shop.telegram.downloads[0]
        # The click goes through Vitrina's redirect to the shop's page, counted as telegram's.
        go = urlsplit(first["url"])
        redirect = shop.client.get(f"{go.path}?{go.query}", follow_redirects=False)
        assert redirect.status_code == 302
        assert redirect.headers["location"] == "https://shop.kz/catalog/chelsea/"
        panel = shop.client.get("/api/v1/dashboard", headers=ADMIN).json()["searches"]
        assert panel["by_channel"] == {"telegram": 1} and panel["clicks"] == 1
        # Prometheus counters are process-wide: what this search and click added.
        assert counter(shop, "vitrina_searches_total") == searches_before + 1
        assert counter(shop, "vitrina_result_clicks_total") == clicks_before + 1


def test_photo_and_image_file_through_long_polling_get_the_product_first(bot_shop):
    with bot_shop("polling") as shop:
        assert shop.telegram.send_photo(7, jpeg(altered(shop.photos["coffee"]))) is None
        captions, links = album_and_links(shop, 7)
        assert captions[0].startswith("Букет coffee — 4 950 ₸")
        assert links.buttons[0]["url"].startswith(f"{PUBLIC}/go/500?s=")
        sent = len(shop.telegram.messages(7))
        shop.telegram.send_photo(7, jpeg(altered(shop.photos["astronaut"])), as_document=True)
        captions, _ = album_and_links(shop, 7, sent)
        assert captions[0].startswith("Букет astronaut — 32 000 ₸")


def test_the_caption_up_to_20_000_filters_the_answer(bot_shop):
    with bot_shop("webhook", similar_threshold=-1.0) as shop:
        photo = jpeg(shop.photos["astronaut"])  # 32 000 ₸
        shop.telegram.send_photo(13, photo)
        captions, _ = album_and_links(shop, 13)
        assert captions[0].startswith("Букет astronaut — 32 000 ₸")
        sent = len(shop.telegram.messages(13))
        shop.telegram.send_photo(13, photo, caption="до 20 000")
        captions, links = album_and_links(shop, 13, sent)
        assert captions and not any("astronaut" in c for c in captions)
        assert {c.split(" — ")[0] for c in captions} <= {"Букет coffee", "Букет chelsea"}
        assert links.text.startswith("Понял: до 20 000 ₸")


def test_an_exact_photo_is_marked_exactly_this(bot_shop):
    with bot_shop("webhook") as shop:
        shop.telegram.send_photo(5, jpeg(shop.photos["astronaut"]))
        captions, links = album_and_links(shop, 5)
        assert captions[0] == "Букет astronaut — 32 000 ₸\nТочно такой"
        assert "Точно такой" in links.text.splitlines()[1]


def test_a_sold_out_exact_match_is_marked_and_alternatives_follow(bot_shop):
    with bot_shop("webhook", similar_threshold=-1.0) as shop:
        sold_out = sample_product(
            id=502,
            title="Букет astronaut",
            price="32 000 ₸",
            isAvailable=False,
            image=shop.photo_urls[2],
            images=[shop.photo_urls[2]],
        )
        assert send(shop.client, "updated", sold_out, secret=SECRET).status_code == 200
        shop.telegram.send_photo(14, jpeg(shop.photos["astronaut"]))
        captions, links = album_and_links(shop, 14)
        assert captions[0] == "Букет astronaut — 32 000 ₸\nТочно такой · Нет в наличии"
        assert "Нет в наличии" in links.text.splitlines()[1]
        assert len(captions) == 3  # the available ones after it


def test_a_wrong_secret_or_a_body_that_is_no_update_is_refused_and_changes_nothing(bot_shop):
    with bot_shop("webhook") as shop:
        shop.telegram.webhook_secret = "not-the-secret"
        response = shop.telegram.send_photo(9, jpeg(shop.photos["coffee"]))
        assert response is not None and response.status_code == 401
        assert "X-Telegram-Bot-Api-Secret-Token" in response.json()["error"]["message"]
        missing = shop.client.post("/api/v1/telegram/webhook", json={"update_id": 5})
        assert missing.status_code == 401
        # A right secret with a body that is no update is a 4xx naming the field.
        bad = shop.client.post(
            "/api/v1/telegram/webhook",
            json={"update_id": "x"},
            headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
        )
        assert bad.status_code == 422 and "update_id" in bad.text
        hostile = [
            {"update_id": 2, "message": "x"},
            {"update_id": 3, "message": {"chat": 5}},
            {"update_id": 4, "callback_query": []},
            {
                "update_id": 5,
                "message": {
                    "message_id": 1,
                    "date": 1,
                    "photo": "zz",
                    "chat": {"id": 9, "type": "private"},
                },
            },
            {
                "update_id": 6,
                "message": {"message_id": 1, "date": 10**20, "chat": {"id": 9, "type": "private"}},
            },
        ]
        for body in hostile:
            refused = shop.client.post(
                "/api/v1/telegram/webhook",
                json=body,
                headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
            )
            assert refused.status_code == 422 and "update" in refused.text, (body, refused.text)
        assert shop.telegram.downloads == [] and shop.telegram.messages(9) == []
        panel = shop.client.get("/api/v1/dashboard", headers=ADMIN).json()["searches"]
        assert panel["searches"] == 0


def test_more_and_order_buttons_continue_the_conversation(bot_shop):
    with bot_shop("webhook", similar_threshold=-1.0) as shop:
        shop.telegram.send_photo(11, jpeg(altered(shop.photos["coffee"])))
        _, links = album_and_links(shop, 11)
        more, order = links.buttons[-2], links.buttons[-1]
        assert (more["text"], order["text"]) == ("Ещё похожие", "Заказать похожий")
        sent = len(shop.telegram.messages(11))
        shop.telegram.press(11, more)
        captions, again = album_and_links(shop, 11, sent)
        assert captions and not captions[0].startswith("Букет coffee")  # like it, not itself
        assert again.buttons[0]["url"].startswith(f"{PUBLIC}/go/")
        assert len(shop.telegram.callback_answers) == 1
        sent = len(shop.telegram.messages(11))
        shop.telegram.press(11, order)
        ask = shop.answers(11, sent + 1)[-1]
        keyboard = ask.params["reply_markup"]["keyboard"]
        assert keyboard[0][0]["request_contact"] is True and "телефон" in ask.text
        shop.telegram.share_contact(11, "+77011234567", own=False)
        assert "Отправить телефон" in shop.answers(11, sent + 2)[-1].text
        shop.telegram.share_contact(11, "+77011234567")
        assert shop.answers(11, sent + 3)[-1].text.startswith("Спасибо")
        leads = shop.client.get("/api/v1/leads", headers=ADMIN).json()
        assert len(leads) == 1  # the forwarded contact made none
        lead = leads[0]
        assert (lead["phone"], lead["name"], lead["language"]) == ("+77011234567", "Айгерим", "ru")
        assert lead["product_id"] == int(order["callback_data"].split(":")[1])
        assert lead["search_id"] == int(order["callback_data"].split(":")[2])
        assert "Telegram" in lead["comment"]


def test_nothing_close_gets_a_plain_answer_and_the_order_button(bot_shop):
    with bot_shop("webhook", similar_threshold=0.999, exact_min_inliers=10_000) as shop:
        shop.telegram.send_photo(12, jpeg(shop.photos["rocket"]))
        answer = shop.answers(12, 1)[0]
        assert answer.method == "sendMessage" and "Похожих букетов в каталоге нет" in answer.text
        assert [b["text"] for b in answer.buttons] == ["Заказать похожий"]


def test_a_multi_site_shops_bot_answers_from_its_own_shop(bot_shop):
    """The bot of shop 1 never offers a bouquet only shop 2 sells, even its very photo, and
    its /start example is one of its own bouquets (shop 2's is the newest product)."""
    with bot_shop(
        "polling", bitrix_site_shops="s1=1,s2=2", telegram_shop_id=1, similar_threshold=-1.0
    ) as shop:
        with photo_server() as photos:
            rocket = photos.add("/upload/rocket.jpg", jpeg(shop.photos["rocket"]))
            other = sample_product(
                id=600, siteId="s2", title="Букет rocket", image=rocket, images=[rocket]
            )
            assert send(shop.client, "created", other, secret=SECRET).status_code == 200
            assert wait_until_idle(shop.client)["total_indexed"] == len(shop.photo_urls) + 1
        shop.telegram.send_message(51, {"text": "/start"})
        assert shop.answers(51, 1)[0].params["photo"] in shop.photo_urls
        shop.telegram.send_photo(51, jpeg(shop.photos["rocket"]))
        captions, links = album_and_links(shop, 51, 1)
        assert captions and not any("rocket" in c for c in [*captions, links.text])
        sent = len(shop.telegram.messages(51))
        shop.telegram.send_photo(51, jpeg(altered(shop.photos["coffee"])))
        captions, _ = album_and_links(shop, 51, sent)
        assert captions[0].startswith("Букет coffee")


def test_a_rate_limited_chat_gets_the_friendly_answer(bot_shop):
    with bot_shop("webhook", telegram_chat_rate_limit=0.0001, telegram_chat_rate_burst=1) as shop:
        shop.telegram.send_photo(21, jpeg(shop.photos["coffee"]))
        album_and_links(shop, 21)
        sent = len(shop.telegram.messages(21))
        shop.telegram.send_photo(21, jpeg(shop.photos["chelsea"]))
        assert shop.answers(21, sent + 1)[-1].text.startswith("Подождите немного")
        # Another chat is not held back by this one.
        shop.telegram.send_photo(22, jpeg(shop.photos["chelsea"]))
        captions, _ = album_and_links(shop, 22)
        assert captions[0].startswith("Букет chelsea")


def test_photos_past_the_search_queue_get_the_friendly_answer_at_once(bot_shop):
    with bot_shop("webhook", telegram_concurrency=1) as shop:
        shop.telegram.download_gate = gate = threading.Event()  # the first search stays busy
        chats = range(61, 68)
        for chat in chats:
            shop.telegram.send_photo(chat, jpeg(shop.photos["coffee"]))

        def told_to_wait() -> list[int]:
            waiting = [
                c
                for c in chats
                if any(m.text.startswith("Подождите немного") for m in shop.telegram.messages(c))
            ]
            assert len(waiting) == 2, waiting  # one searching, four queued (4 per slot)
            return waiting

        waiting = eventually(told_to_wait, timeout=120)
        gate.set()
        for chat in chats:
            if chat not in waiting:
                captions, _ = album_and_links(shop, chat)
                assert captions[0].startswith("Букет coffee")


def test_a_429_from_the_bot_api_is_retried_and_the_answer_arrives(bot_shop):
    with bot_shop("webhook") as shop:
        shop.telegram.fail_next("sendMessage", status=429, retry_after=1)
        shop.telegram.fail_next("getFile", status=502)
        shop.telegram.send_photo(31, jpeg(shop.photos["coffee"]))
        _, links = album_and_links(shop, 31)
        assert links.buttons[0]["url"].startswith(f"{PUBLIC}/go/500")
        assert shop.telegram.calls.count("sendMessage") == 2
        assert shop.telegram.calls.count("getFile") == 2


def test_kazakh_language_code_gets_kazakh(bot_shop):
    with bot_shop("webhook") as shop:
        shop.telegram.send_message(41, {"text": "/start"}, language="kk")
        start = shop.answers(41, 1)[0]
        assert start.method == "sendPhoto" and "Гүл шоғының суретін жіберіңіз" in start.text
        assert start.params["photo"].endswith(".jpg")  # an example from the catalog
        shop.telegram.send_photo(41, jpeg(shop.photos["astronaut"]), language="kk")
        captions, links = album_and_links(shop, 41, 1)
        assert "Дәл осы" in captions[0] and links.text.startswith("Міне, табылғандары")
        assert [b["text"] for b in links.buttons[-2:]] == [
            "Тағы ұқсастары",
            "Ұқсасына тапсырыс беру",
        ]
        shop.telegram.send_message(43, {"text": "/help"}, language="en-US")
        assert shop.answers(43, 1)[0].text.startswith("Send a photo of a bouquet")


def test_stickers_videos_files_and_big_photos_get_a_friendly_answer(bot_shop):
    with bot_shop("webhook") as shop:
        sticker = {
            "sticker": {
                "file_id": "s1",
                "file_unique_id": "s1",
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            }
        }
        shop.telegram.send_message(51, sticker)
        video = {
            "video": {
                "file_id": "v1",
                "file_unique_id": "v1",
                "width": 640,
                "height": 480,
                "duration": 3,
            }
        }
        shop.telegram.send_message(51, video)
        pdf = {
            "document": {
                "file_id": "d1",
                "file_unique_id": "d1",
                "file_name": "a.pdf",
                "mime_type": "application/pdf",
            }
        }
        shop.telegram.send_message(51, pdf)
        replies = shop.answers(51, 3)
        assert all(m.text.startswith("Я ищу по фотографиям") for m in replies)
        noise = np.random.default_rng(0).integers(0, 256, (2600, 2600, 3), dtype=np.uint8)
        big = Image.fromarray(noise)
        buffer = io.BytesIO()
        big.save(buffer, "JPEG", quality=100)
        assert buffer.tell() > 10 * 1048576  # over VITRINA_IMAGE_MAX_BYTES's default
        shop.telegram.send_photo(51, buffer.getvalue())
        assert "слишком большое" in shop.answers(51, 4)[-1].text
        assert shop.telegram.downloads == []
