"""Generated products that look like the real shop's: Russian titles, messy prices and sizes.

Every field is drawn in the shapes seen in real responses (``shared/bitrix/``, ``shared/README.md``)
so that Vitrina's parser meets the same mess it meets in production: prices as ``"4 950 ₸"`` with
three different space characters, ``"12000"`` or a bare number; ``catalogHeight`` as ``"70 см"``,
``"60см"``, ``""`` or ``null``. Titles are written from the bouquet recipe, so a product called
"Букет из 25 красных роз" really shows red roses. Everything is a function of the seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from vitrina.standin.flowers import FlowerKind
from vitrina.standin.photos import Bouquet, random_bouquet

SHOP_TZ = timezone(timedelta(hours=5))  # Almaty: createdAt comes as +0500
ORIGINAL_SIZE = 640
RESIZED_SIZE = 400  # Bitrix's resize_cache/…/400_400_1/ copies

# Every key of a product, in the order the real API sends them.
PRODUCT_FIELDS = (
    "id",
    "image",
    "images",
    "title",
    "price",
    "isAvailable",
    "createdAt",
    "type",
    "width",
    "height",
    "video",
    "duration",
    "discount",
    "composition",
    "colors",
    "catalogWidth",
    "catalogHeight",
    "productionTime",
)


@dataclass(frozen=True, slots=True)
class _Words:
    nom_pl: str  # Розы
    gen_sg: str  # (из 21) розы
    gen_pl: str  # (из 25) роз
    ins_pl: str  # (с) розами


_FLOWER_WORDS: dict[FlowerKind, _Words] = {
    "rose": _Words("Розы", "розы", "роз", "розами"),
    "tulip": _Words("Тюльпаны", "тюльпана", "тюльпанов", "тюльпанами"),
    "peony": _Words("Пионы", "пиона", "пионов", "пионами"),
    "eustoma": _Words("Эустомы", "эустомы", "эустом", "эустомами"),
    "chrysanthemum": _Words("Хризантемы", "хризантемы", "хризантем", "хризантемами"),
    "hydrangea": _Words("Гортензии", "гортензии", "гортензий", "гортензиями"),
    "chamomile": _Words("Ромашки", "ромашки", "ромашек", "ромашками"),
}

# (nominative plural, genitive plural)
_COLOUR_WORDS: dict[str, tuple[str, str]] = {
    "red": ("красные", "красных"),
    "burgundy": ("бордовые", "бордовых"),
    "pink": ("розовые", "розовых"),
    "pale_pink": ("нежно-розовые", "нежно-розовых"),
    "white": ("белые", "белых"),
    "cream": ("кремовые", "кремовых"),
    "yellow": ("жёлтые", "жёлтых"),
    "orange": ("оранжевые", "оранжевых"),
    "peach": ("персиковые", "персиковых"),
    "purple": ("фиолетовые", "фиолетовых"),
    "lilac": ("сиреневые", "сиреневых"),
    "blue": ("синие", "синих"),
}

_NAMES = (
    "Нежность",
    "Летний день",
    "Прованс",
    "Комплимент",
    "Весеннее утро",
    "Зефир",
    "Акварель",
    "Мелодия",
    "Вдохновение",
    "Рассвет",
    "Улыбка",
    "Первое свидание",
    "Облако",
    "Карамель",
)

# Rough tenge per stem, so a 101-rose bouquet costs what it should.
_STEM_PRICE: dict[FlowerKind, int] = {
    "rose": 1100,
    "tulip": 700,
    "peony": 2600,
    "eustoma": 1400,
    "chrysanthemum": 900,
    "hydrangea": 4500,
    "chamomile": 450,
}
_WRAP_PRICE = {"kraft": 800, "paper": 1200, "film": 500, "none": 0, "box": 5500, "basket": 6500}

# The thousands separators seen in real prices: space, no-break space, narrow no-break space.
PRICE_SEPARATORS = (" ", "\u00a0", "\u202f")


@dataclass(frozen=True, slots=True)
class PhotoRef:
    """What a photo path renders: one shot of one bouquet at one size."""

    bouquet: Bouquet
    variant: int
    size: int


@dataclass(slots=True)
class GeneratedProduct:
    """A product's raw fields (photo URLs as paths on the stand-in) and what its photos show."""

    fields: dict[str, Any]
    bouquet: Bouquet
    photos: dict[str, PhotoRef]
    next_variant: int


class ProductFactory:
    """Makes products one after another; the same seed always makes the same catalog."""

    def __init__(self, seed: int = 0, *, start: datetime | None = None) -> None:
        self._rng = random.Random(seed)
        self._next_id = 600_000 + self._rng.randint(0, 99_999)
        self._next_photo = 100 + self._rng.randint(0, 899)
        self._created = start or datetime(2023, 1, 10, 10, 0, tzinfo=SHOP_TZ)

    def reserve_id(self, product_id: int) -> None:
        """Never hand out ``product_id`` (or below): someone created it by hand."""
        self._next_id = max(self._next_id, product_id + 1)

    def new(self, *, created_at: datetime | None = None) -> GeneratedProduct:
        """The next product; ``created_at`` defaults to a little after the previous one."""
        rng = self._rng
        product_id = self._next_id
        self._next_id += rng.randint(1, 40)
        if created_at is None:
            self._created += timedelta(minutes=rng.randint(5, 600), seconds=rng.randint(0, 59))
            created_at = self._created
        bouquet = random_bouquet(rng)
        count = rng.choices([1, 2, 3], weights=[40, 35, 25])[0]
        image, images, photos = self.photo_set(bouquet, first_variant=0, count=count)
        boxed = bouquet.wrap in ("box", "basket")
        fields: dict[str, Any] = {
            "id": product_id,
            "image": image,
            "images": images,
            "title": title_for(bouquet, rng),
            "price": format_price(price_for(bouquet, rng), rng),
            "isAvailable": rng.random() < 0.88,
            "createdAt": created_at.astimezone(SHOP_TZ).strftime("%Y-%m-%dT%H:%M:%S%z"),
            "type": "vitrina" if rng.random() < (0.5 if boxed else 0.25) else "catalog",
            "width": _loose_number(rng),
            "height": _loose_number(rng),
            "video": None,
            "duration": None,
            "discount": rng.choices([None, "0", "10"], weights=[60, 35, 5])[0],
            "composition": _composition(bouquet) if rng.random() < 0.2 else None,
            "colors": False,
            "catalogWidth": _centimetres(rng),
            "catalogHeight": _centimetres(rng),
            "productionTime": None,
        }
        return GeneratedProduct(fields, bouquet, photos, next_variant=count)

    def photo_set(
        self, bouquet: Bouquet, *, first_variant: int, count: int
    ) -> tuple[str, list[str], dict[str, PhotoRef]]:
        """New photo paths (``image``, ``images``) for ``count`` fresh shots of ``bouquet``.

        Paths are new every time, as in Bitrix: a replaced photo's old URL then answers 404.
        """
        rng = self._rng
        folder = f"{rng.getrandbits(12):03x}"
        photos: dict[str, PhotoRef] = {}
        images: list[str] = []
        for variant in range(first_variant, first_variant + count):
            name = f"IMG_{self._next_photo:04d}.jpeg"
            self._next_photo += 1
            path = f"/upload/iblock/{folder}/{name}"
            photos[path] = PhotoRef(bouquet, variant, ORIGINAL_SIZE)
            images.append(path)
        image = images[0]
        if rng.random() < 0.35:  # the primary is sometimes Bitrix's resized copy
            image = f"/upload/resize_cache/iblock/{folder}/400_400_1/{images[0].rsplit('/', 1)[1]}"
            photos[image] = PhotoRef(bouquet, first_variant, RESIZED_SIZE)
        return image, images, photos


def title_for(bouquet: Bouquet, rng: random.Random) -> str:
    """A shop-style Russian title that matches what the photo shows."""
    main = bouquet.groups[0]
    words = _FLOWER_WORDS[main.kind]
    colour_nom, colour_gen = _COLOUR_WORDS[main.colour]
    if bouquet.wrap == "box":
        return rng.choice(
            [
                f"{words.nom_pl} в шляпной коробке",
                f"Коробка с {_FLOWER_WORDS[main.kind].ins_pl}",
                f"{words.nom_pl} в коробке {colour_nom.upper()}",
            ]
        )
    if bouquet.wrap == "basket":
        return rng.choice([f"Корзина с {words.ins_pl}", f"Корзина «{rng.choice(_NAMES)}»"])
    if len(bouquet.groups) > 1:
        other = _FLOWER_WORDS[bouquet.groups[1].kind]
        options = [
            f"Сборный букет «{rng.choice(_NAMES)}»",
            "Собранный букет",
            f"Букет «{rng.choice(_NAMES)}»",
        ]
        if other is not words:
            options.append(f"Микс из {words.gen_pl} и {other.gen_pl}")
        return rng.choice(options)
    n = main.count
    # Russian: "из 21 розы" (genitive singular) but "из 25 роз"; the adjective would change too,
    # so the colour is only named where the plural is right.
    singular = n % 10 == 1 and n % 100 != 11
    options = [
        f"Букет из {n} {words.gen_sg if singular else words.gen_pl}",
        f"{words.nom_pl} в пачке",
        f"{words.nom_pl} в пачках {colour_nom.upper()}",
        f"Монобукет из {words.gen_pl}",
        f"{colour_nom.capitalize()} {words.nom_pl.lower()}",
    ]
    if not singular and n > 1:
        options.append(f"Букет из {n} {colour_gen} {words.gen_pl}")
    return rng.choice(options)


def price_for(bouquet: Bouquet, rng: random.Random) -> int:
    """A believable price in whole tenge."""
    stems = sum(_STEM_PRICE[group.kind] * group.count for group in bouquet.groups)
    raw = (stems + _WRAP_PRICE[bouquet.wrap]) * rng.uniform(0.9, 1.3)
    step = rng.choice([25, 50, 100, 500])
    return max(1500, int(raw // step * step))


def format_price(tenge: int, rng: random.Random) -> str | int:
    """``tenge`` in one of the shapes the shop sends: ``"4 950 ₸"``, ``"12000"`` or ``15000``."""
    shape = rng.choices(["display", "digits", "number"], weights=[72, 16, 12])[0]
    if shape == "number":
        return tenge
    if shape == "digits":
        return str(tenge)
    separator = rng.choices(PRICE_SEPARATORS, weights=[50, 30, 20])[0]
    return f"{tenge:,}".replace(",", separator) + " ₸"


def _centimetres(rng: random.Random) -> str | None:
    shape = rng.choices(["spaced", "joined", "empty", "null"], weights=[30, 10, 40, 20])[0]
    if shape == "empty":
        return ""
    if shape == "null":
        return None
    value = rng.randrange(25, 95, 5)
    return f"{value} см" if shape == "spaced" else f"{value}см"


def _loose_number(rng: random.Random) -> str | int | None:
    shape = rng.choices(["null", "empty", "number"], weights=[45, 30, 25])[0]
    if shape == "null":
        return None
    if shape == "empty":
        return ""
    return rng.randrange(20, 90, 5)


def _composition(bouquet: Bouquet) -> str:
    parts = [
        f"{_FLOWER_WORDS[group.kind].nom_pl} ({_COLOUR_WORDS[group.colour][0]}) — {group.count} шт."
        for group in bouquet.groups
    ]
    if bouquet.filler:
        parts.append("Гипсофила")
    return ", ".join(parts)
