"""The Bitrix module's bulk path: "send everything" and a manifest reconcile, over real HTTP.

A stand-in shop (php, SQLite) with N products sends them all to a live Vitrina (``vitrina serve
--no-worker``, SQLite) with ``cli/vitrina.php send-all`` — the payload built from the info block,
queued in the outbox, signed, posted one by one. Baseline in the same run: the same number of
signed webhooks posted straight from Python, so the ratio is the module's own cost (reading
Bitrix, the outbox, PHP's HTTP). Then ``vitrina reconcile --source manifest`` with no drift:
the whole manifest read and compared.

``--scan N``: on MariaDB (a private ``mariadbd``, as the tests start it), the module's "send
everything" and "what changed" scans over N products with two trade offers each
(``integrations/bitrix/tests/bench_scan.php``), against a bare ``CIBlockElement::GetList`` loop
over the same products in the same run: products/s and queries per product.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.integrations.bitrix_mariadb import ENV, running_mariadb, server_binary_or_skip
from tests.integrations.bitrix_module_support import (
    BITRIX,
    MODULE_API,
    Vitrina,
    module_cli,
    serve_site,
    shop,
)

from vitrina.ingest.signatures import new_secret, signed_headers


def baseline(url: str, secret: str, count: int) -> float:
    """Signed webhooks posted sequentially from Python: products/s."""
    with httpx.Client(timeout=10) as client:
        start = time.perf_counter()
        for i in range(count):
            body = json.dumps(
                {
                    "event_type": "product.updated",
                    "product_data": {
                        "id": 9_000_000 + i,
                        "title": f"Букет {i}",
                        "price": 4950,
                        "isAvailable": True,
                        "images": [f"https://shop.kz/upload/iblock/abc/{i}.jpg"],
                    },
                }
            ).encode()
            headers = {"Content-Type": "application/json"}
            headers.update(signed_headers(secret, body, str(uuid.uuid4())))
            assert (
                client.post(
                    f"{url}/api/v1/webhooks/product-sync", content=body, headers=headers
                ).status_code
                == 200
            )
        return count / (time.perf_counter() - start)


def scan(count: int) -> None:
    """The module's scans against a bare GetList loop, on MariaDB."""
    with running_mariadb(server_binary_or_skip()) as socket, tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            ["php", str(BITRIX / "tests" / "bench_scan.php"), tmp, str(count)],
            env={**os.environ, ENV: str(socket)},
            capture_output=True,
            text=True,
            check=False,
        )
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    base = result["getlist"]["per_s"]
    print(f"{count} products with 2 trade offers each, {result['backend']}")
    for key, label in (
        ("getlist", "baseline: bare CIBlockElement::GetList loop"),
        ("send_all", '"send everything" scan (queues all)'),
        ("what_changed", '"what changed" scan, no drift'),
    ):
        r = result[key]
        print(
            f"{label:<44} {r['per_s']:8.0f} products/s  {r['queries_per_product']:5.2f} queries/product"
            f"  {r['s']:6.1f} s ({r['per_s'] / base:.1%} of the baseline)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--scan", type=int, default=0, help="run the scan benchmark on N products")
    args = parser.parse_args()
    if args.scan:
        scan(args.scan)
        return
    php = "php"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        secret = new_secret()
        vitrina = Vitrina(root, secret)
        # The baseline's products (no siteId) land in another shop than the module's (s1 → 1).
        vitrina.env["VITRINA_DEFAULT_SHOP_ID"] = "99"
        site = root / "site"
        site.mkdir()
        shop(php, site, "create", vitrina.url, secret, str(args.products), "100000")
        vitrina.start()
        try:
            base = baseline(vitrina.url, secret, args.products)
            start = time.perf_counter()
            sent = module_cli(php, site, "send-all")
            took = time.perf_counter() - start
            assert sent.returncode == 0 and f"delivered {args.products}," in sent.stdout, (
                sent.stdout
            )
            with serve_site(php, site) as site_url:
                start = time.perf_counter()
                url = site_url + MODULE_API
                done = vitrina.cli(
                    "reconcile", "--source", "manifest", "--module-url", url, "--shop", "1"
                )
                reconciled = time.perf_counter() - start
            assert "resend 0 products" in done.stdout, done.stdout + done.stderr
        finally:
            vitrina.stop()
    n = args.products
    print(f"{'baseline: signed webhooks from Python':<44} {base:8.0f} products/s")
    ratio = n / took / base
    print(
        f"{'send-all (module, php, outbox)':<44} {n / took:8.0f} products/s   {took:6.1f} s ({ratio:.0%})"
    )
    print(
        f"{'reconcile by manifest, no drift (incl. CLI start)':<44} {n / reconciled:8.0f} products/s   {reconciled:6.1f} s"
    )


if __name__ == "__main__":
    main()
