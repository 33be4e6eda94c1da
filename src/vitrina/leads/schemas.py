"""A lead as a customer sends it, and as the API and the shop's webhook show it."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from vitrina.http.bounds import RowId

_PHONE = re.compile(r"\+?[0-9 ()\-.]{6,40}")
MIN_PHONE_DIGITS = 6  # a local city number
MAX_PHONE_DIGITS = 15  # E.164


class LeadRequest(BaseModel):
    """«Закажите похожий»: who to call back, and what she was looking for."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"name": "Айгерим", "phone": "+7 701 234 56 78", "comment": "Такой же, но розовый"},
                {"name": "Aigerim", "phone": "87012345678", "product_id": 7001, "language": "kk"},
            ]
        }
    )

    name: str = Field(min_length=1, max_length=200, description="The customer's name.")
    phone: str = Field(
        max_length=40,
        description="Her phone number, as typed (6–15 digits; `+`, spaces, dashes, brackets).",
        examples=["+7 701 234 56 78"],
    )
    comment: str | None = Field(default=None, max_length=2000)
    language: Literal["ru", "kk", "en"] = "ru"
    page_url: str | None = Field(
        default=None, max_length=2000, description="The shop's page she was on (http/https)."
    )
    product_id: RowId | None = Field(
        default=None, description="The photographed product, when it is sold out."
    )
    search_id: RowId | None = Field(default=None, description="The search she came from.")
    photo_consent: bool = Field(
        default=False,
        description="She agreed to attach her photo; without it a `photo` is refused.",
    )

    @field_validator("name", "comment")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        if value is None:
            return None
        cleaned = value.strip()
        if "\x00" in cleaned:
            raise ValueError("contains a NUL character")
        return cleaned or None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str:
        if not value:
            raise ValueError("enter a name")
        return value

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        cleaned = value.strip()
        digits = sum(c.isdigit() for c in cleaned)
        if not _PHONE.fullmatch(cleaned) or not MIN_PHONE_DIGITS <= digits <= MAX_PHONE_DIGITS:
            raise ValueError("enter a phone number of 6 to 15 digits, like +7 701 234 56 78")
        return cleaned

    @field_validator("page_url")
    @classmethod
    def _page(cls, value: str | None) -> str | None:
        if not value:
            return None
        if urlsplit(value).scheme not in ("http", "https"):
            raise ValueError("must be an http(s) address")
        return value


class LeadAccepted(BaseModel):
    """The answer to the customer's page: stored; the shop hears of it within seconds."""

    id: int
    status: str


class LeadView(BaseModel):
    """One lead on the dashboard and in ``GET /api/v1/leads`` (admin)."""

    id: int
    created_at: datetime
    name: str
    phone: str
    comment: str | None
    language: str
    page_url: str | None
    product_id: int | None
    search_id: int | None
    has_photo: bool
    status: Literal["pending", "sent", "failed", "stored"]
    attempts: int
    sent_at: datetime | None
    last_error: str | None
