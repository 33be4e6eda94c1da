"""What the bot says, in Russian (the default), Kazakh and English, chosen by the customer's
Telegram ``language_code``."""

from __future__ import annotations

from typing import Literal

from vitrina.catalog.money import format_tenge

RU = "ru"
Language = Literal["ru", "kk", "en"]

_TEXTS: dict[str, dict[str, str]] = {
    "ru": {
        "help": "Пришлите фото букета — найду такой же или похожий в нашем магазине.\n"
        "Можно добавить подпись, например: «до 20 000».",
        "found": "Вот что нашлось:",
        "nothing": "Похожих букетов в каталоге нет. Соберём похожий на заказ — нажмите "
        "«Заказать похожий».",
        "no_more": "Больше похожих нет.",
        "exact": "Точно такой",
        "sold_out": "Нет в наличии",
        "more": "Ещё похожие",
        "order": "Заказать похожий",
        "share_phone": "Отправить телефон",
        "ask_phone": "Оставьте телефон — менеджер магазина перезвонит и подберёт букет.",
        "thanks": "Спасибо! Менеджер скоро позвонит.",
        "wait": "Подождите немного — ищу по предыдущему фото.",
        "too_big": "Фото слишком большое (больше {mb} МБ). Пришлите его как фото, не файлом.",
        "not_photo": "Я ищу по фотографиям. Пришлите фото букета.",
        "unreadable": "Не получилось прочитать фото. Пришлите другое, пожалуйста.",
        "later": "Поиск сейчас занят. Пришлите фото ещё раз через минуту.",
        "own_phone": "Нажмите кнопку «Отправить телефон» — так мы получим ваш номер.",
    },
    "kk": {
        "help": "Гүл шоғының суретін жіберіңіз — дүкеннен дәл осындайын немесе ұқсасын табамын.\n"
        "Жазба қосуға болады, мысалы: «20 000-ға дейін».",
        "found": "Міне, табылғандары:",
        "nothing": "Каталогта ұқсас гүл шоғы жоқ. Ұқсасын тапсырыспен жинаймыз — «Ұқсасына "
        "тапсырыс беру» түймесін басыңыз.",
        "no_more": "Басқа ұқсастары жоқ.",
        "exact": "Дәл осы",
        "sold_out": "Қолда жоқ",
        "more": "Тағы ұқсастары",
        "order": "Ұқсасына тапсырыс беру",
        "share_phone": "Телефонды жіберу",
        "ask_phone": "Телефоныңызды қалдырыңыз — дүкен менеджері хабарласып, гүл шоғын таңдайды.",
        "thanks": "Рақмет! Менеджер жақында хабарласады.",
        "wait": "Сәл күтіңіз — алдыңғы сурет бойынша іздеп жатырмын.",
        "too_big": "Сурет тым үлкен ({mb} МБ-тан артық). Оны файл емес, сурет ретінде жіберіңіз.",
        "not_photo": "Мен суреттер бойынша іздеймін. Гүл шоғының суретін жіберіңіз.",
        "unreadable": "Суретті оқи алмадым. Басқасын жіберіңізші.",
        "later": "Іздеу қазір бос емес. Суретті бір минуттан кейін қайта жіберіңіз.",
        "own_phone": "«Телефонды жіберу» түймесін басыңыз — нөміріңізді солай аламыз.",
    },
    "en": {
        "help": "Send a photo of a bouquet and I will find the same or a similar one in our "
        "shop.\nYou may add a caption, e.g. “under 20 000”.",
        "found": "Here is what I found:",
        "nothing": "Nothing similar in the catalog. We can make one to order: tap “Order a "
        "similar one”.",
        "no_more": "No more similar bouquets.",
        "exact": "Exactly this",
        "sold_out": "Sold out",
        "more": "More like this",
        "order": "Order a similar one",
        "share_phone": "Share my phone",
        "ask_phone": "Leave your phone number and the shop's manager will call you back.",
        "thanks": "Thank you! A manager will call you soon.",
        "wait": "Just a moment: still searching for your previous photo.",
        "too_big": "The photo is too large (over {mb} MB). Send it as a photo, not as a file.",
        "not_photo": "I search by photos. Please send a photo of a bouquet.",
        "unreadable": "I could not read that photo. Please send another one.",
        "later": "Search is busy right now. Please send the photo again in a minute.",
        "own_phone": "Tap “Share my phone” so that we get your number.",
    },
}


def language_of(code: str | None) -> Language:
    """``ru``, ``kk`` or ``en`` from Telegram's IETF ``language_code`` (``kk``, ``en-US``, …);
    anything else is Russian, the shop's customers' common language."""
    base = (code or "").split("-")[0].lower()
    return "kk" if base == "kk" else "en" if base == "en" else "ru"


def text(language: str, key: str, **values: object) -> str:
    """The message ``key`` in ``language`` (Russian when the language is unknown)."""
    template = _TEXTS.get(language, _TEXTS[RU])[key]
    return template.format(**values) if values else template


def price(minor: int) -> str:
    """A price as the customer reads it: ``4 950 ₸``."""
    return format_tenge(minor)
