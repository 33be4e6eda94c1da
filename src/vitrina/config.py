"""Configuration: one settings class, read from ``VITRINA_*`` environment variables.

Every field is documented in ``docs/configuration.md``; a test fails when one is not.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import os
import re
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from vitrina.errors import ConfigurationError


def _default_model_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "vitrina" / "models"


# The languages pages and the widget speak (Kazakh: customers' texts; the rest falls back to Russian).
LANGUAGES = ("ru", "en", "kk")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _check_whsec(secret: str) -> None:
    """Refuse a Standard Webhooks secret without its ``whsec_`` prefix or whose key is not
    base64 of at least 16 bytes."""
    if not secret.startswith("whsec_"):
        raise ValueError(
            f"must start with 'whsec_' (got {secret[:10]!r}…); make one with `vitrina secret new`"
        )
    body = secret.removeprefix("whsec_")
    try:
        key = base64.b64decode(body, validate=True)
    except (ValueError, binascii.Error):
        key = b""
    if len(key) < 16:  # Standard Webhooks keys are 24–64 bytes
        raise ValueError(
            f"the part after 'whsec_' must be base64 of at least 16 bytes (got "
            f"{secret[:10]!r}…); make one with `vitrina secret new`"
        )


def _is_web_address(value: str) -> bool:
    """An absolute http(s) address with a host, a valid port and no spaces."""
    try:
        parts = urlsplit(value)
        _ = parts.port  # a port that is not a number raises
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in value


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    """All of Vitrina's settings. Built once at start-up and passed down, never imported."""

    model_config = SettingsConfigDict(env_prefix="VITRINA_", extra="ignore")

    # storage
    database_url: str = "sqlite:///./var/vitrina.db"

    # webhooks
    webhook_secrets: Annotated[list[str], NoDecode] = Field(default_factory=list)
    legacy_webhook_secret: str | None = None
    webhook_tolerance_s: int = Field(default=300, ge=1, le=86_400)
    webhook_rate_limit: float = Field(default=200.0, ge=0)
    webhook_rate_burst: int = Field(default=400, ge=1)
    default_shop_id: int = Field(default=1, ge=1, le=2**63 - 1)
    admin_token: str | None = None

    # embedding
    embedder: str = "effnet-lite0"
    model_dir: Path = Field(default_factory=_default_model_dir)
    clip_dir: Path | None = None
    embed_threads: int = Field(default=0, ge=0, le=256)
    vertex_project: str | None = None
    vertex_location: str = "us-central1"
    vertex_credentials: Path | None = None
    vertex_endpoint: str | None = None
    vertex_dimension: int = Field(default=512, ge=1, le=4096)
    vertex_timeout_s: float = Field(default=30.0, gt=0)
    vertex_retries: int = Field(default=4, ge=0, le=20)

    # images
    image_hosts_allow: Annotated[list[str], NoDecode] = Field(default_factory=list)
    image_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    image_max_pixels: int = Field(default=40_000_000, ge=10_000)
    image_timeout_s: float = Field(default=10.0, gt=0, le=600)

    # search
    exact_threshold: float | None = Field(default=None, ge=-1.0, le=1.0)
    similar_threshold: float | None = Field(default=None, ge=-1.0, le=1.0)
    vector_index_dir: Path | None = None
    vector_ef_search: int = Field(default=256, ge=16, le=1000)
    exact_min_inliers: int | None = Field(default=None, ge=4)
    exact_colour_agree: float | None = Field(default=None, ge=0.0, le=1.0)
    colour_weight: float | None = Field(default=None, ge=0.0, le=2.0)
    search_rate_limit: float = Field(default=2.0, ge=0)
    search_rate_burst: int = Field(default=20, ge=1)
    search_concurrency: int = Field(default=2, ge=1, le=64)
    search_process: bool = True
    search_deadline_s: float = Field(default=45.0, ge=1, le=600)

    # reverse proxy
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # storefront
    shop_base_url: str | None = None
    # a multi-site shop's other sites (``https://gifts.kz``): product pages on them are followed
    shop_site_urls: Annotated[list[str], NoDecode] = Field(default_factory=list)
    product_url_template: str | None = None
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    language: str | None = None
    public_url: str | None = None

    # telegram
    telegram_bot_token: str | None = None
    telegram_webhook_secret: str | None = None
    telegram_api_url: str = "https://api.telegram.org"
    telegram_chat_rate_limit: float = Field(default=0.2, ge=0.0)
    telegram_chat_rate_burst: int = Field(default=3, ge=1)
    telegram_concurrency: int = Field(default=4, ge=1, le=64)
    # A multi-site shop's bot answers from one shop's catalog (None: every shop's products)
    telegram_shop_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    timezone: str = "Asia/Almaty"
    lead_webhook_url: str | None = None
    lead_webhook_secret: str | None = None
    lead_photo_retention_days: float = Field(default=30.0, ge=0.0)

    # jobs
    worker_concurrency: int = Field(default=1, ge=1, le=64)
    worker_batch: int = Field(default=16, ge=1, le=1000)
    job_max_attempts: int = Field(default=6, ge=1)
    job_lease_s: float = Field(default=60.0, gt=0)
    job_poll_s: float = Field(default=0.25, gt=0)
    retention_days: float = Field(default=30.0, gt=0)

    # bitrix
    bitrix_url: str | None = None
    bitrix_token: str | None = None
    bitrix_module_url: str | None = None
    bitrix_site_shops: Annotated[dict[str, int], NoDecode] = Field(default_factory=dict)
    reconcile_every: float | None = Field(default=None, gt=0)

    # logs
    log_level: str = "INFO"
    # None: JSON when stderr is not a terminal (a service under systemd/docker), text when it is.
    log_json: bool | None = None

    @field_validator(
        "webhook_secrets",
        "image_hosts_allow",
        "trusted_proxies",
        "cors_origins",
        "shop_site_urls",
        mode="before",
    )
    @classmethod
    def _csv(cls, value: object) -> object:
        return _split_csv(value)

    @field_validator("bitrix_site_shops", mode="before")
    @classmethod
    def _site_shops(cls, value: object) -> object:
        """``s1=1,s2=2``: Bitrix site id → Vitrina shop id."""
        if not isinstance(value, str):
            return value
        shops: dict[str, int] = {}
        for part in (p.strip() for p in value.split(",") if p.strip()):
            site, sep, shop = part.partition("=")
            if not sep or not site.strip() or not shop.strip().isdigit():
                raise ValueError(f"expected site=shop pairs such as 's1=1,s2=2', got {part!r}")
            shops[site.strip()] = int(shop)
        return shops

    @field_validator("webhook_secrets")
    @classmethod
    def _whsec(cls, value: list[str]) -> list[str]:
        for secret in value:
            _check_whsec(secret)
        return value

    @field_validator("public_url")
    @classmethod
    def _own_address(cls, value: str | None) -> str | None:
        if value is not None and value.strip() == "":
            return None
        if value is not None and not _is_web_address(value):
            raise ValueError(f"must be an http(s) address, like https://vitrina.shop.kz, got {value!r}")
        return value.rstrip("/") if value is not None else None

    @field_validator("telegram_api_url")
    @classmethod
    def _api_root(cls, value: str) -> str:
        if not _is_web_address(value):
            raise ValueError(f"must be an http(s) address, like https://api.telegram.org, got {value!r}")
        return value.rstrip("/")

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _telegram_secret(cls, value: str | None) -> str | None:
        # Telegram's own rule for secret_token: 1-256 characters A-Z, a-z, 0-9, _ and -.
        if value is not None and value.strip() == "":
            return None
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"must be a time zone such as Asia/Almaty, got {value!r}") from None
        return value

    @model_validator(mode="after")
    def _telegram_shop_known(self) -> Settings:
        """A bot's shop must be one the Bitrix sites map to: a typo would answer every
        customer with an empty catalog."""
        shops = sorted(set(self.bitrix_site_shops.values()))
        shop = self.telegram_shop_id
        if shop is not None and shops and shop not in shops:
            raise ValueError(
                f"VITRINA_TELEGRAM_SHOP_ID: shop {shop} is not one of VITRINA_BITRIX_SITE_SHOPS'"
                f" shops ({', '.join(map(str, shops))})"
            )
        return self

    @field_validator("lead_webhook_secret")
    @classmethod
    def _lead_secret(cls, value: str | None) -> str | None:
        if value is None or value.strip() == "":
            return None
        _check_whsec(value)
        return value

    @field_validator("legacy_webhook_secret", "admin_token", "bitrix_token")
    @classmethod
    def _token(cls, value: str | None) -> str | None:
        if value == "":  # ``VITRINA_ADMIN_TOKEN=`` is unset, as for the addresses below
            return None
        if value is not None and (not value.strip() or not value.isprintable()):
            raise ValueError("must be printable text, not empty (unset it to turn it off)")
        return value

    @field_validator("bitrix_url", "bitrix_module_url", "lead_webhook_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is not None and value.strip() == "":
            return None
        if value is not None and not _is_web_address(value):
            raise ValueError(f"must be an http(s) address, like https://shop.kz/, got {value!r}")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value.upper() not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}, got {value!r}")
        return value.upper()

    @field_validator("image_hosts_allow")
    @classmethod
    def _hosts(cls, value: list[str]) -> list[str]:
        for host in value:
            if not host.isascii() or (any(c in host for c in "/:@ ?#") and not _is_ip(host)):
                raise ValueError(f"every entry must be a host name or IP address, got {host!r}")
        return value

    @field_validator("shop_base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        if value is not None and value.strip() == "":
            return None
        if value is not None and not _is_web_address(value):
            raise ValueError(
                f"must be the shop's http(s) address, like https://shop.kz/, got {value!r}"
            )
        return value

    @field_validator("shop_site_urls")
    @classmethod
    def _site_urls(cls, value: list[str]) -> list[str]:
        for url in value:
            if not _is_web_address(url):
                raise ValueError(f"every entry must be an http(s) address, like https://gifts.kz, got {url!r}")
        return value

    @field_validator("product_url_template")
    @classmethod
    def _template(cls, value: str | None) -> str | None:
        if value is not None and value.strip() == "":
            return None
        if value is not None and (not _is_web_address(value) or "{id}" not in value):
            raise ValueError(
                "must be an http(s) address containing {id}, like "
                f"https://shop.kz/catalog/{{id}}/, got {value!r}"
            )
        return value

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        origins = []
        for origin in value:
            parts = urlsplit(origin)
            bare = parts.path in ("", "/") and not parts.query
            if parts.scheme not in ("http", "https") or not parts.netloc or not bare:
                raise ValueError(
                    "every origin must be scheme and host only, like https://shop.kz, "
                    f"got {origin!r}"
                )
            origins.append(f"{parts.scheme}://{parts.netloc}")
        return origins

    @field_validator("language")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        if value is None or value.strip() == "":
            return None
        if value not in LANGUAGES:
            raise ValueError(f"must be one of {', '.join(LANGUAGES)} or empty, got {value!r}")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: list[str]) -> list[str]:
        for entry in value:
            if entry == "*":
                continue
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"{entry!r} is not an IP address or network (like 10.0.0.5 or 10.0.0.0/8)"
                ) from None
        return value

    @field_validator("database_url")
    @classmethod
    def _db_url(cls, value: str) -> str:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        expected = f"must be a sqlite:/// or postgresql+psycopg:// URL, got {value!r}"
        try:
            url = make_url(value)
        except (ArgumentError, ValueError):
            raise ValueError(expected) from None
        if url.get_backend_name() == "sqlite" and url.get_driver_name() == "pysqlite":
            return value
        if url.get_backend_name() == "postgresql" and url.get_driver_name() == "psycopg":
            return value
        raise ValueError(expected)


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment, turning validation errors into one clear message."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"VITRINA_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            if err["loc"]
            else err["msg"].removeprefix("Value error, ")  # a check of several settings
            for err in exc.errors()
        )
        raise ConfigurationError(f"invalid configuration: {problems}") from exc
