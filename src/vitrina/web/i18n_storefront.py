"""What customers and a shop's developer read around a search, in Russian, Kazakh and English:
verdicts, sold-out products, the «Закажите похожий» request, photo-address errors, the widget's
options. Merged into ``i18n.MESSAGES``; kept apart so that ``i18n.py`` stays readable."""

from __future__ import annotations

RU: dict[str, str] = {
    "Choose a photo": "Выбрать фото",
    "Searching…": "Ищем…",
    "Exactly this": "Точно такой",
    "Exactly this bouquet": "Точно такой букет",
    "Similar": "Похожий",
    "Sold out": "Нет в наличии",
    "Available and alike": "В наличии и похожи",
    "There is no bouquet like this in the catalog.": "Такого букета в каталоге нет.",
    "The nearest we have": "Ближе всего вот эти",
    "Order one like this": "Закажите похожий",
    "Our florists can make a bouquet like the one in your photo.": (
        "Флористы соберут букет как на вашем фото."
    ),
    "Name": "Имя",
    "Phone": "Телефон",
    "Comment": "Комментарий",
    "Attach my photo to the request": "Приложить моё фото к заявке",
    "Send": "Отправить",
    "Thank you! The shop will call you back.": "Спасибо! Магазин вам перезвонит.",
    "Check the name and the phone number.": "Проверьте имя и номер телефона.",
    "Too many requests; please try again in {s} s.": (
        "Слишком много запросов; попробуйте через {s} с."
    ),
    "dashboard-disabled": (
        "Панель выключена: задайте VITRINA_ADMIN_TOKEN и перезапустите Vitrina."
    ),
    # photo addresses (search/photo_url.py), by the error's code
    "photo_timeout": "Сайт с этим фото слишком долго не отвечал.",
    "photo_not_found": "По этой ссылке фото больше нет (сайт ответил 404).",
    "photo_blocked": "С этого адреса фото загружать нельзя.",
    "photo_too_large": "Фото по этой ссылке слишком большое.",
    "photo_not_an_image": "По ссылке открывается страница, а не фото: скопируйте ссылку на само фото.",
    "photo_invalid_url": "Это не ссылка на фото (она должна начинаться с https://).",
    "photo_fetch_failed": "Не получилось загрузить фото по этой ссылке.",
    "upload-instead": "Сохраните фото в телефон и загрузите его.",
    # widget page
    "Options": "Настройки",
    "Attribute": "Атрибут",
    "What it does": "Что делает",
    "opt-position": "Угол плавающей кнопки: left — слева, right — справа (по умолчанию).",
    "opt-offset": (
        "Отступ от края и от низа экрана в пикселях: «16 88» поднимет кнопку над чатом "
        "WhatsApp в правом нижнем углу."
    ),
    "opt-target": "CSS-селектор элемента, в который встать (рядом с поиском), вместо плавающей кнопки.",
    "opt-mode": "icon — компактная кнопка-значок 44 px, помещается рядом со строкой поиска.",
    "opt-similar": (
        "Ряд «Похожие букеты» для страницы товара (в наличии), вместо кнопки; ID — код товара."
    ),
    "opt-shop": (
        "Только букеты этого магазина Vitrina и ссылки на его сайт — для магазина на нескольких "
        "сайтах Битрикса: номер магазина сайта из VITRINA_BITRIX_SITE_SHOPS."
    ),
    "opt-lang": "Язык: ru, kk или en (иначе язык страницы, иначе русский).",
    "opt-color": "Цвет кнопок, например #b0305a.",
    "Beside the shop's search box": "Рядом со строкой поиска магазина",
    "Similar bouquets on a product page": "Похожие букеты на странице товара",
    # dashboard
    "Requests «Order one like this»": "Заявки «Закажите похожий»",
    "leads-not-forwarded": (
        "Заявки не пересылаются в магазин: задайте VITRINA_LEAD_WEBHOOK_URL и "
        "VITRINA_LEAD_WEBHOOK_SECRET."
    ),
    "with a photo": "с фото",
    "lead-pending": "отправляется",
    "lead-sent": "передана магазину",
    "lead-failed": "не доставлена",
    "lead-stored": "сохранена",
    "No requests yet.": "Заявок пока нет.",
    "Sites refused by VITRINA_CORS_ORIGINS": "Сайты, которым отказано (VITRINA_CORS_ORIGINS)",
    "refused-origins-hint": (
        "Кнопка поиска на этих сайтах не работает: если это сайт магазина, добавьте его адрес "
        "в VITRINA_CORS_ORIGINS и перезапустите Vitrina."
    ),
    "Site": "Сайт",
    "times in": "время:",
    "The catalog matches the shop": "Каталог совпадает с магазином",
    "{n} differences": "Расхождений с магазином: {n}",
    "last check": "последняя сверка",
    "ms": "мс",
    "product.created": "товар добавлен",
    "product.updated": "товар изменён",
    "product.deleted": "товар удалён",
    "webhook": "уведомление",
    "import": "импорт",
    "reconcile": "сверка",
    "Changes": "Изменения",
    "What customers looked for and did not find, 14 days": (
        "Что искали и не нашли, за 14 дней"
    ),
    "missed-hint": (
        "Поиски без хорошего совпадения, сгруппированные по ближайшему букету каталога: "
        "похожие фото попадают в одну строку. Самих фото мы не храним."
    ),
    "Nearest in the catalog": "Ближе всего в каталоге",
    "Searches": "Поисков",
    "Every search found something close.": "Каждый поиск нашёл что-то похожее.",
    "Last time": "Последний раз",
}

KK: dict[str, str] = {
    "Choose a photo": "Фото таңдау",
    "Searching…": "Іздеп жатырмыз…",
    "Exactly this": "Дәл осы",
    "Exactly this bouquet": "Дәл осы гүл шоғы",
    "Similar": "Ұқсас",
    "Sold out": "Қолда жоқ",
    "Available and alike": "Қолда бар ұқсастары",
    "There is no bouquet like this in the catalog.": "Каталогта мұндай гүл шоғы жоқ.",
    "The nearest we have": "Ең жақындары",
    "Order one like this": "Осындайға тапсырыс беру",
    "Our florists can make a bouquet like the one in your photo.": (
        "Гүлшілеріміз фотоңыздағыдай гүл шоғын жасай алады."
    ),
    "Name": "Аты",
    "Phone": "Телефон",
    "Comment": "Түсініктеме",
    "Attach my photo to the request": "Фотомды өтінімге қосу",
    "Send": "Жіберу",
    "Thank you! The shop will call you back.": "Рақмет! Дүкен сізге қайта қоңырау шалады.",
    "Check the name and the phone number.": "Аты мен телефон нөмірін тексеріңіз.",
    "Too many requests; please try again in {s} s.": (
        "Сұраныстар тым көп; {s} с кейін қайталап көріңіз."
    ),
    "dashboard-disabled": (
        "Панель өшірулі: VITRINA_ADMIN_TOKEN мәнін беріп, Vitrina-ны қайта іске қосыңыз."
    ),
    "photo_timeout": "Бұл фото орналасқан сайт тым ұзақ жауап бермеді.",
    "photo_not_found": "Бұл сілтеме бойынша фото енді жоқ (сайт 404 деп жауап берді).",
    "photo_blocked": "Бұл мекенжайдан фото жүктеуге болмайды.",
    "photo_too_large": "Бұл сілтемедегі фото тым үлкен.",
    "photo_not_an_image": "Сілтеме фото емес, бетті ашады: фотоның өз сілтемесін көшіріңіз.",
    "photo_invalid_url": "Бұл фото сілтемесі емес (https:// деп басталуы керек).",
    "photo_fetch_failed": "Бұл сілтеме бойынша фотоны жүктеу мүмкін болмады.",
    "upload-instead": "Фотоны телефонға сақтап, оны жүктеңіз.",
}

EN: dict[str, str] = {
    "dashboard-disabled": (
        "The dashboard is disabled: set VITRINA_ADMIN_TOKEN and restart Vitrina."
    ),
    "photo_timeout": "The site with this photo took too long to answer.",
    "photo_not_found": "There is no photo at this address any more (the site answered 404).",
    "photo_blocked": "Photos cannot be downloaded from this address.",
    "photo_too_large": "The photo at this address is too large.",
    "photo_not_an_image": (
        "This address gives a web page, not a photo: copy the photo's own address."
    ),
    "photo_invalid_url": "This is not a web address of a photo (it should start with https://).",
    "photo_fetch_failed": "The photo could not be downloaded from this address.",
    "upload-instead": "Save the photo to your phone and upload it instead.",
    "opt-position": "The floating button's corner: left, or right (the default).",
    "opt-offset": (
        "Its distance from the side and from the bottom, in px: «16 88» lifts it above a "
        "WhatsApp bubble in the bottom-right corner."
    ),
    "opt-target": "A CSS selector of the element to sit in (beside the search box) instead of floating.",
    "opt-mode": "icon: a compact 44 px camera button that fits beside a search box.",
    "opt-similar": (
        "A row of similar bouquets (available ones) for a product page, instead of the button; "
        "ID is the product's id."
    ),
    "opt-shop": (
        "Only this Vitrina shop's bouquets, linked to its site: for a shop on several Bitrix "
        "sites, the site's shop number from VITRINA_BITRIX_SITE_SHOPS."
    ),
    "opt-lang": "The language: ru, kk or en (else the page's language, else Russian).",
    "opt-color": "The buttons' colour, like #b0305a.",
    "leads-not-forwarded": (
        "Requests are not forwarded to the shop: set VITRINA_LEAD_WEBHOOK_URL and "
        "VITRINA_LEAD_WEBHOOK_SECRET."
    ),
    "lead-pending": "sending",
    "lead-sent": "sent to the shop",
    "lead-failed": "not delivered",
    "lead-stored": "stored",
    "missed-hint": (
        "Searches without a good match, grouped by the nearest bouquet in the catalog: alike "
        "photos share a row. The photos themselves are never kept."
    ),
    "refused-origins-hint": (
        "The search button does not work on these sites: if one is the shop's, add it to "
        "VITRINA_CORS_ORIGINS and restart Vitrina."
    ),
}

# The codes of search/photo_url.py's customer errors that have their own wording above.
PHOTO_ADDRESS_CODES = frozenset(
    {
        "photo_timeout",
        "photo_not_found",
        "photo_blocked",
        "photo_too_large",
        "photo_not_an_image",
        "photo_invalid_url",
    }
)
