"""A few words beside the photo on the search page (``/``): over HTTP, and in Chromium on a phone.

The page posts the words as ``text`` with the photo, shows «Понял: …» in the visitor's
language, applies the price words as filters, and refuses words without a photo naming the field.
"""

from __future__ import annotations

import random

import pytest

from tests.web.test_browser import NAMES, model_dir, shop  # noqa: F401  (the fixtures)
from vitrina.standin.photos import random_bouquet, render_jpeg

RU = {"Accept": "text/html", "Accept-Language": "ru-RU,ru;q=0.9"}
PHOTO = render_jpeg(random_bouquet(random.Random(25)), 0)


def upload(client, text: str, headers: dict[str, str] = RU, **fields: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/search",
        files={"file": ("bouquet.jpg", PHOTO, "image/jpeg")},
        data={"text": text, **fields},
        headers=headers,
    )


def test_the_page_has_a_words_field_in_the_form(live_app, sqlite_url):
    with live_app(sqlite_url) as client:
        html = client.get("/", headers=RU).text
    assert 'name="text"' in html and 'maxlength="200"' in html
    assert "Уточните словами" in html and 'placeholder="такой же, но белый, до 20 000"' in html


@pytest.mark.parametrize(
    ("language", "told"),
    [
        ("ru-RU", "Понял: белые, до 20 000 ₸"),
        ("kk-KZ", "Түсіндім: ақ, 20 000 ₸ дейін"),
        ("en-US", "Understood: white, up to 20 000 ₸"),
    ],
)
def test_the_page_says_what_it_understood_in_the_visitors_language(
    live_app, sqlite_url, language, told
):
    with live_app(sqlite_url) as client:
        headers = {"Accept": "text/html", "Accept-Language": language}
        page = upload(client, "такой же, но белый, до 20 000", headers)
        fragment = upload(client, "white, under 20000", {**headers, "X-Vitrina-Fragment": "1"})
    assert page.status_code == 200, page.text
    assert f'<p class="understood">{told}</p>' in page.text
    assert 'value="такой же, но белый, до 20 000"' in page.text  # the words stay in the field
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert f'<p class="understood">{told}</p>' in fragment.text


def test_words_that_say_nothing_known_show_no_understood_line(live_app, sqlite_url):
    with live_app(sqlite_url) as client:
        page = upload(client, "красивый, пожалуйста")
    assert page.status_code == 200
    assert 'class="understood"' not in page.text


def test_words_without_a_photo_are_refused_naming_the_field(live_app, sqlite_url):
    with live_app(sqlite_url) as client:
        response = client.post("/search", data={"text": "белые до 20 000"}, headers=RU)
    assert response.status_code == 422
    assert "Добавьте фото: слова только уточняют поиск по фото." in response.text
    assert 'value="белые до 20 000"' in response.text  # kept for the next try


def test_too_many_words_are_refused_naming_the_field(live_app, sqlite_url):
    with live_app(sqlite_url) as client:
        page = upload(client, "белые " * 40)
        api = upload(client, "белые " * 40, {"Accept": "application/json"})
    assert page.status_code == 422
    assert "В поле для слов не больше 200 символов." in page.text
    assert api.status_code == 422 and api.json()["error"]["field"] == "text"


@pytest.mark.slow
def test_words_narrow_the_search_on_a_phone_and_the_page_says_so(browser, shop, tmp_path):  # noqa: F811
    client, _, bouquets = shop
    query = tmp_path / "photo.jpg"
    query.write_bytes(render_jpeg(bouquets[1], 3))  # another shot of «Розы «Бордо»», 19 900 ₸
    page = browser.new_page(viewport={"width": 360, "height": 740}, is_mobile=True, locale="ru-RU")
    page.goto(str(client.base_url) + "/")
    page.set_input_files("#file", str(query))
    page.locator("#results .card").first.wait_for()
    assert page.locator("#results .card .name").first.inner_text() == NAMES[1]
    assert page.locator("#results .understood").count() == 0

    words = page.get_by_label("Уточните словами (необязательно)")
    words.fill("до 15 000")
    with page.expect_response(lambda r: r.url.endswith("/search")) as answer:
        words.press("Enter")  # the words go with the photo already chosen
    assert answer.value.status == 200
    page.locator("#results .understood", has_text="Понял: до 15 000 ₸").wait_for()
    prices = page.locator("#results .card .price").all_inner_texts()
    assert prices and set(prices) <= {"4 950 ₸", "12 500 ₸"}  # «Бордо» at 19 900 ₸ is out
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0  # the words field and the line told back still fit a 360 px phone
    page.close()
