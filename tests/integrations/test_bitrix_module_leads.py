"""«Закажите похожий» end to end: a customer's request to a live Vitrina reaches the shop's
manager as the Bitrix module's mail event — real ``vitrina serve``, real php, real HTTP.

Vitrina's ``VITRINA_LEAD_WEBHOOK_URL`` points at the stand-in's
``/bitrix/tools/vitrinalab.vitrina/lead.php`` with the secret the module made at install.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.integrations.bitrix_mariadb import standin_mariadb  # noqa: F401 (the fixture)
from tests.integrations.bitrix_module_support import Vitrina, serve_site, shop
from tests.support.eventually import eventually
from tests.tooling import require_executable
from vitrina.ingest.signatures import new_secret

pytestmark = [pytest.mark.mariadb, pytest.mark.usefixtures("standin_mariadb")]
ADMIN_TOKEN = "lead-test-admin-token-0123456789abcdef"


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 90)).save(out, "JPEG")
    return out.getvalue()


def _mail(php: str, site: Path) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = json.loads(shop(php, site, "mail"))
    return sent


@pytest.mark.slow
def test_a_request_left_in_vitrina_is_mailed_to_the_bitrix_manager_once(tmp_path: Path) -> None:
    php = require_executable("php", "php-cli")
    site = tmp_path / "site"
    site.mkdir()
    shop(php, site, "create", "http://127.0.0.1:9", new_secret(), "1")
    lead_secret = shop(php, site, "lead-secret").strip()
    assert lead_secret.startswith("whsec_")
    with serve_site(php, site) as site_url:
        vitrina = Vitrina(tmp_path, new_secret())
        vitrina.env["VITRINA_LEAD_WEBHOOK_URL"] = (
            f"{site_url}/bitrix/tools/vitrinalab.vitrina/lead.php"
        )
        vitrina.env["VITRINA_LEAD_WEBHOOK_SECRET"] = lead_secret
        vitrina.env["VITRINA_ADMIN_TOKEN"] = ADMIN_TOKEN
        vitrina.start()
        jpeg = _jpeg()
        try:
            answer = httpx.post(
                f"{vitrina.url}/api/v1/leads",
                data={
                    "name": "Айгерим",
                    "phone": "+7 701 234 56 78",
                    "comment": "Такой же, но розовый",
                    "page_url": "https://flowers.kz/catalog/roses/",
                    "photo_consent": "true",
                },
                files={"photo": ("bouquet.jpg", jpeg, "image/jpeg")},
                timeout=10,
            )
            assert answer.status_code == 201, answer.text
            lead_id = answer.json()["id"]

            def mailed() -> bool:
                return len(_mail(php, site)) == 1

            eventually(mailed, timeout=60, what="the module's mail event VITRINA_LEAD")
            [mail] = _mail(php, site)
            assert (mail["EVENT_NAME"], mail["LID"]) == ("VITRINA_LEAD", "s1")
            fields = mail["FIELDS"]
            assert fields["LEAD_ID"] == str(lead_id)
            assert (fields["NAME"], fields["PHONE"], fields["COMMENT"]) == (
                "Айгерим",
                "+7 701 234 56 78",
                "Такой же, но розовый",
            )
            assert fields["PHOTO"].startswith("приложено")
            [photo] = mail["PATHS"]
            assert (site / photo.lstrip("/")).read_bytes() == jpeg, "her photo, attached to the mail"

            def delivered() -> bool:
                leads = httpx.get(
                    f"{vitrina.url}/api/v1/leads",
                    headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                    timeout=10,
                )
                assert leads.status_code == 200, leads.text
                return any(
                    lead["id"] == lead_id and lead["status"] == "sent" for lead in leads.json()
                )

            eventually(delivered, timeout=30, what="Vitrina marks the lead sent")
            assert len(_mail(php, site)) == 1, "mailed once"
        finally:
            vitrina.stop()
