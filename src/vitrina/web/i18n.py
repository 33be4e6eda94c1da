"""The languages of the pages: Russian first, English, and Kazakh for what customers read.

Texts are written in English in the templates (``{{ _("Search") }}``) and looked up here, the
way gettext does, without its compile step: two small dictionaries are easier to review than
``.po`` files for a few dozen phrases. A missing Kazakh text falls back to Russian, a missing
Russian one to the English original, so a page is never blank.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request

from vitrina.config import LANGUAGES
from vitrina.errors import (
    ImageRejected,
    ImageTooLarge,
    InvalidPayload,
    NotFound,
    PhotoFetchError,
    RateLimited,
    ServiceUnavailable,
    VitrinaError,
)
from vitrina.web import i18n_storefront as storefront

DEFAULT = "ru"
FALLBACK = {"kk": "ru"}

RU: dict[str, str] = {
    # navigation and shared
    "Search by photo": "Поиск по фото",
    "Dashboard": "Панель магазина",
    "For the shop's site": "Для сайта магазина",
    "Something went wrong": "Что-то пошло не так",
    "Back to search": "Вернуться к поиску",
    # search page
    "Find a bouquet by photo": "Найдите букет по фото",
    "Drop a photo here": "Перетащите фото сюда",
    "or tap to choose one": "или нажмите, чтобы выбрать",
    "Take a photo": "Сфотографировать",
    "or paste a photo address": "или вставьте ссылку на фото",
    "Filters": "Фильтры",
    "Shop": "Магазин",
    "All shops": "Все магазины",
    "Price from, ₸": "Цена от, ₸",
    "to, ₸": "до, ₸",
    "any": "любая",
    "Find": "Найти",
    "Results for your photo": "Что нашлось по вашему фото",
    "Results for the photo address": "Что нашлось по ссылке на фото",
    "More like “{name}”": "Похожие на «{name}»",
    "More like product {id}": "Похожие на товар {id}",
    "Exact matches": "Точно такие",
    "Similar bouquets": "Похожие букеты",
    "Less alike": "Менее похожие",
    "No close matches; the nearest we have": "Точно таких нет; ближе всего вот эти",
    "No matching bouquets. Try another photo or widen the filters.": (
        "Похожих букетов не нашлось. Попробуйте другое фото или расширьте фильтры."
    ),
    "The catalog is not ready for search yet. Please try again later.": (
        "Каталог ещё готовится к поиску. Попробуйте чуть позже."
    ),
    "More like this": "Похожие",
    "{n} details of your photo line up with this one; {p}% of its colours match": (
        "{n} деталей вашего фото совпадают с этим; цвета совпадают на {p}%"
    ),
    "similarity": "сходство",
    "Found: {n}": "Найдено: {n}",
    "Choose a photo or paste the address of one.": "Выберите фото или вставьте ссылку на него.",
    "A few words, if you like": "Уточните словами (необязательно)",
    "the same but white, under 20 000": "такой же, но белый, до 20 000",
    "Add a photo: the words only refine a search by photo.": (
        "Добавьте фото: слова только уточняют поиск по фото."
    ),
    "Use at most {n} characters for the words.": "В поле для слов не больше {n} символов.",
    "This file is not a photo, or it is damaged. Choose a JPEG, PNG or WebP picture.": (
        "Этот файл не фотография или он повреждён. Выберите снимок JPEG, PNG или WebP."
    ),
    "The photo is too large; choose a smaller one.": "Фото слишком большое, выберите поменьше.",
    "The photo could not be loaded from that address.": (
        "Не получилось загрузить фото по этой ссылке."
    ),
    "Search is busy or unavailable right now; please try again in a minute.": (
        "Поиск сейчас занят или недоступен; попробуйте через минуту."
    ),
    "Enter a price in tenge, like 5000.": "Введите цену в тенге числом, например 5000.",
    "This product is no longer in the catalog.": "Этого товара уже нет в каталоге.",
    "Vitrina did not answer; check the connection and try again.": (
        "Нет ответа; проверьте связь с интернетом и попробуйте ещё раз."
    ),
    # widget page
    "Search by photo on your shop's site": "Поиск по фото на сайте магазина",
    "widget-intro": (
        "Вставьте эту строку на страницы сайта (например, в подвал шаблона) — появится кнопка "
        "«Найти по фото». Покупатель снимает или выбирает фото, видит похожие букеты с ценами и "
        "переходит на страницу товара."
    ),
    "Copy": "Скопировать",
    "Copied": "Скопировано",
    "Try it": "Попробуйте",
    "widget-origins": (
        "Сайт магазина должен быть в VITRINA_CORS_ORIGINS, иначе браузер не даст кнопке "
        "обратиться к поиску."
    ),
    # dashboard and login
    "Log in": "Войти",
    "Log out": "Выйти",
    "Admin token": "Токен администратора",
    "That is not the admin token.": "Это не токен администратора.",
    "Updated": "Обновлено",
    "Searches by photo, 14 days": "Поиск по фото за 14 дней",
    "searches": "поисков",
    "Searches per day": "Поисков в день",
    "no good match": "без хорошего совпадения",
    "clicks": "переходов",
    "click-through rate": "доля поисков с переходом",
    "average time": "среднее время",
    "Most found": "Чаще всего находили",
    "Most clicked": "Чаще всего открывали",
    "No searches yet.": "Поисков пока не было.",
    "No clicks yet.": "Переходов пока не было.",
    "Product": "Товар",
    "Times": "Раз",
    "page": "страница",
    "widget": "кнопка на сайте",
    "similar": "«похожие» на странице",
    "api": "API",
    "Sync with the shop": "Синхронизация с магазином",
    "Index": "Индекс",
    "photos": "фото",
    "model": "модель",
    "last indexed": "последнее фото",
    "Queue": "Очередь",
    "waiting": "ждут",
    "running": "в работе",
    "oldest waiting job": "дольше всех ждёт",
    "Errors, 24 h": "Ошибки за сутки",
    "of {n} webhooks rejected": "из {n} уведомлений отклонены",
    "Processing, 24 h": "Обработка за сутки",
    "average per webhook": "в среднем на уведомление",
    "Dead jobs": "Не удалось обработать",
    "need a look": "товаров: фото не загрузились",
    "Webhooks per day": "Уведомлений в день",
    "applied": "применено",
    "duplicate": "повтор",
    "stale": "устарело",
    "rejected": "отклонено",
    "Processing time per day": "Время обработки по дням",
    "average": "среднее",
    "95th percentile": "95-й процентиль",
    "Job": "Задача",
    "Attempts": "Попыток",
    "Reason": "Причина",
    "Gave up": "Остановлена",
    "Retry": "Повторить",
    "Retrying…": "Повторяем…",
    "No dead jobs.": "Все товары обработаны.",
    "Latest webhooks": "Последние уведомления",
    "Received": "Получено",
    "Event": "Событие",
    "Outcome": "Итог",
    "Time": "Время",
    "Note": "Примечание",
    "No webhooks received yet.": "Уведомлений ещё не было.",
    "Reconcile and import runs": "Сверки и импорт",
    "Run": "Запуск",
    "Kind": "Вид",
    "Status": "Состояние",
    "Started": "Начат",
    "Finished": "Закончен",
    "Products": "Товаров",
    "Created": "Создано",
    "Deleted": "Удалено",
    "Unchanged": "Без изменений",
    "Skipped": "Пропущено",
    "Failed": "Ошибок",
    "dry run": "проба",
    "No reconcile runs yet.": "Сверок ещё не было.",
    "ready": "готов",
    "indexing": "индексируется",
    "empty": "пуст",
    "created": "создан",
    "updated": "обновлён",
    "deleted": "удалён",
    "completed": "завершён",
    "failed": "ошибка",
    "could not refresh; retrying": "не удалось обновить; пробуем снова",
    "retry failed": "повтор не удался",
}

# Only the longer texts that have a key rather than an English original.
EN: dict[str, str] = {
    "widget-intro": (
        "Put this line on the shop's pages (in the template's footer, for example) and a "
        "«Найти по фото» button appears. Customers take or choose a photo, see similar bouquets "
        "with prices and go to the product's page."
    ),
    "widget-origins": (
        "The shop's site must be in VITRINA_CORS_ORIGINS, or browsers will not let the button "
        "reach the search."
    ),
}

# What customers read: the search page, its results and its errors (the widget has its own
# copy in static/widget.js). The dashboard is for the shop's staff and stays Russian.
KK: dict[str, str] = {
    "Search by photo": "Фото арқылы іздеу",
    "Something went wrong": "Қате орын алды",
    "Back to search": "Іздеуге оралу",
    "Find a bouquet by photo": "Гүл шоғын фото арқылы табыңыз",
    "Drop a photo here": "Фотоны осында сүйреп әкеліңіз",
    "or tap to choose one": "немесе таңдау үшін басыңыз",
    "Take a photo": "Суретке түсіру",
    "or paste a photo address": "немесе фото сілтемесін қойыңыз",
    "Filters": "Сүзгілер",
    "Shop": "Дүкен",
    "All shops": "Барлық дүкендер",
    "Price from, ₸": "Бағасы, ₸, бастап",
    "to, ₸": "дейін, ₸",
    "any": "кез келген",
    "Find": "Іздеу",
    "Results for your photo": "Фотоңыз бойынша табылғандар",
    "Results for the photo address": "Фото сілтемесі бойынша табылғандар",
    "More like “{name}”": "«{name}» сияқтылар",
    "More like product {id}": "{id} тауарына ұқсастар",
    "Exact matches": "Дәл осындай",
    "Similar bouquets": "Ұқсас гүл шоқтары",
    "Less alike": "Азырақ ұқсайтындар",
    "No close matches; the nearest we have": "Дәл осындай жоқ; ең жақындары мыналар",
    "No matching bouquets. Try another photo or widen the filters.": (
        "Ұқсас гүл шоқтары табылмады. Басқа фотоны көріңіз немесе сүзгілерді кеңейтіңіз."
    ),
    "The catalog is not ready for search yet. Please try again later.": (
        "Каталог іздеуге әлі дайын емес. Сәл кейінірек қайталап көріңіз."
    ),
    "More like this": "Ұқсастары",
    "{n} details of your photo line up with this one; {p}% of its colours match": (
        "Фотоңыздың {n} бөлшегі осымен сәйкес келеді; түстерінің {p}% сәйкес"
    ),
    "similarity": "ұқсастық",
    "Found: {n}": "Табылды: {n}",
    "Choose a photo or paste the address of one.": "Фото таңдаңыз немесе оның сілтемесін қойыңыз.",
    "A few words, if you like": "Сөзбен нақтылаңыз (міндетті емес)",
    "the same but white, under 20 000": "дәл осындай, бірақ ақ, 20 000 дейін",
    "Add a photo: the words only refine a search by photo.": (
        "Фото қосыңыз: сөздер тек фото арқылы іздеуді нақтылайды."
    ),
    "Use at most {n} characters for the words.": "Сөздер өрісінде {n} таңбадан артық болмасын.",
    "This file is not a photo, or it is damaged. Choose a JPEG, PNG or WebP picture.": (
        "Бұл файл фото емес немесе бүлінген. JPEG, PNG немесе WebP суретін таңдаңыз."
    ),
    "The photo is too large; choose a smaller one.": "Фото тым үлкен; кішірек фотоны таңдаңыз.",
    "The photo could not be loaded from that address.": (
        "Бұл сілтеме бойынша фотоны жүктеу мүмкін болмады."
    ),
    "Search is busy or unavailable right now; please try again in a minute.": (
        "Іздеу қазір бос емес немесе қолжетімсіз; бір минуттан кейін қайталап көріңіз."
    ),
    "Enter a price in tenge, like 5000.": "Бағаны теңгемен санмен енгізіңіз, мысалы 5000.",
    "This product is no longer in the catalog.": "Бұл тауар каталогта енді жоқ.",
    "Vitrina did not answer; check the connection and try again.": (
        "Жауап жоқ; интернет байланысын тексеріп, қайталап көріңіз."
    ),
}

MESSAGES: dict[str, dict[str, str]] = {
    "ru": RU | storefront.RU,
    "en": EN | storefront.EN,
    "kk": KK | storefront.KK,
}


def negotiate(accept_language: str | None, configured: str | None = None) -> str:
    """The page language: the setting when there is one, else the visitor's first language we
    speak (by ``q``), else Russian."""
    if configured in LANGUAGES:
        return configured
    best: tuple[float, int, str] | None = None
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in LANGUAGES:
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if not 0 < quality <= 1:  # q=0 means "not this one"; nan and garbage count as 0
            continue
        candidate = (-quality, position, primary)
        if best is None or candidate < best:
            best = candidate
    return best[2] if best else DEFAULT


def translator(language: str) -> Callable[..., str]:
    """``_("Found: {n}", n=3)`` in ``language``, falling back to Russian, then to the original."""
    chain = [MESSAGES.get(language, {})]
    if language in FALLBACK:
        chain.append(MESSAGES[FALLBACK[language]])

    def translate(text: str, **values: object) -> str:
        for messages in chain:
            if text in messages:
                text = messages[text]
                break
        return text.format(**values) if values else text

    return translate


def request_language(request: Request) -> str:
    """The language of this request's page (the setting, else ``Accept-Language``)."""
    services = getattr(request.app.state, "services", None)
    configured = services.settings.language if services is not None else None
    return negotiate(request.headers.get("accept-language"), configured)


def page_context(request: Request) -> dict[str, object]:
    """What every template gets: ``lang`` and ``_`` in the visitor's language."""
    language = request_language(request)
    return {"lang": language, "_": translator(language)}


# What a customer is told about an error on the search page, by the error's family; the
# detailed message (for the shop's developer) stays in the API's JSON and in the logs.
CUSTOMER_ERRORS: tuple[tuple[type[VitrinaError], str], ...] = (
    (ImageTooLarge, "The photo is too large; choose a smaller one."),
    (ImageRejected, "This file is not a photo, or it is damaged. Choose a JPEG, PNG or WebP picture."),
    (PhotoFetchError, "The photo could not be loaded from that address."),
    (RateLimited, "Search is busy or unavailable right now; please try again in a minute."),
    (ServiceUnavailable, "Search is busy or unavailable right now; please try again in a minute."),
    (NotFound, "This product is no longer in the catalog."),
)


def customer_message(error: VitrinaError, language: str) -> str:
    """The error in the customer's language; English keeps the precise original, except for a
    photo address, whose wording is the customer's (no field names)."""
    translate = translator(language)
    code = error.code
    if code in storefront.PHOTO_ADDRESS_CODES or (
        isinstance(error, InvalidPayload) and error.field == "image_url" and code.startswith("photo_")
    ):
        known = code if code in storefront.PHOTO_ADDRESS_CODES else "photo_fetch_failed"
        return f"{translate(known)} {translate('upload-instead')}"
    if language == "en":
        return error.message
    if isinstance(error, InvalidPayload) and error.field in ("price_min", "price_max"):
        return translate("Enter a price in tenge, like 5000.")
    for family, text in CUSTOMER_ERRORS:
        if isinstance(error, family):
            return translate(text)
    return translate(error.message)
