"""Reconciliation for a shop without a product REST API: the module's manifest and "resend these".

The module lists the shop's active products with change stamps (see :mod:`.module_client`);
every product payload the module sends carries the same ``stamp``, kept in the catalog's
``source_payload``. A run compares the two and asks the module to resend:

* products the shop lists and Vitrina lacks (``missing``);
* products whose stamp differs from the one Vitrina last applied (``changed``);
* products on sale in Vitrina that the shop no longer lists (``vanished``: deleted or switched
  off; the module sends the deletion or the switched-off product).

Nothing is written to the catalog here: the products come back through the signed webhook path,
where ordering (``sequence``), idempotency and tombstones already hold. So a reconcile can never
undo a newer change, and it heals whatever the outbox lost. ``resend_all`` (``vitrina import
--source manifest``) asks for every listed product.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from vitrina.catalog.models import Product
from vitrina.catalog.repository import in_shop
from vitrina.config import Settings
from vitrina.db import write_session
from vitrina.integrations.bitrix.importer import mark_failed
from vitrina.integrations.bitrix.module_client import ModuleClient
from vitrina.integrations.bitrix.repository import finish_run, get_run, start_run

log = logging.getLogger("vitrina.bitrix")


@dataclass(frozen=True, slots=True)
class Known:
    """What the catalog holds of one product: whether it is on sale (not deleted, not sold out:
    what the module's manifest lists), and its last stamp."""

    on_sale: bool
    stamp: str | None


@dataclass(frozen=True, slots=True)
class ResendPlan:
    """Which products to ask for again, by reason (each list sorted)."""

    missing: list[int] = field(default_factory=list)
    changed: list[int] = field(default_factory=list)
    vanished: list[int] = field(default_factory=list)
    unchanged: int = 0

    @property
    def ids(self) -> list[int]:
        """Every product to resend, once, in id order."""
        return sorted({*self.missing, *self.changed, *self.vanished})


def plan_resend(
    listed: Mapping[int, str], known: Mapping[int, Known], *, resend_all: bool = False
) -> ResendPlan:
    """The drift between the shop's manifest (id → stamp) and the catalog, as a pure function.

    A product Vitrina does not sell and the shop does not list agrees with the shop; one it has
    with no stamp (imported from the REST API, or from before the module) is ``changed`` once.
    """
    missing, changed, unchanged = [], [], 0
    for product_id, stamp in listed.items():
        have = known.get(product_id)
        if have is None:
            missing.append(product_id)
        elif resend_all or have.stamp != stamp:
            changed.append(product_id)
        else:
            unchanged += 1
    vanished = [pid for pid, have in known.items() if have.on_sale and pid not in listed]
    return ResendPlan(sorted(missing), sorted(changed), sorted(vanished), unchanged)


@dataclass(slots=True)
class ManifestResult:
    """What a run found and asked for."""

    run_id: int
    dry_run: bool
    listed: int
    plan: ResendPlan
    queued: int = 0

    def summary(self) -> str:
        """One line for logs and the CLI."""
        verb = "would ask" if self.dry_run else "asked"
        return (
            f"reconcile by manifest: {verb} the shop to resend {len(self.plan.ids)} products"
            f" ({len(self.plan.missing)} missing, {len(self.plan.changed)} changed,"
            f" {len(self.plan.vanished)} gone from the shop); {self.plan.unchanged} unchanged"
            f" of {self.listed} in the shop"
            + ("" if self.dry_run else f"; the module queued {self.queued}")
        )


def shop_sites(settings: Settings, shop_id: int) -> list[str | None]:
    """The Bitrix sites whose products are shop ``shop_id`` (``[None]``: all, no mapping set)."""
    if not settings.bitrix_site_shops:
        return [None]
    sites: list[str | None] = [
        s for s, shop in settings.bitrix_site_shops.items() if shop == shop_id
    ]
    return sorted(sites, key=str)


def reconcile_by_manifest(
    sessions: sessionmaker[Session],
    client: ModuleClient,
    *,
    shop_id: int,
    sites: Sequence[str | None],
    dry_run: bool = False,
    resend_all: bool = False,
) -> ManifestResult:
    """Read the manifest of ``sites``, compare with shop ``shop_id``, ask for the drift."""
    kind = "import" if resend_all else "reconcile"
    with write_session(sessions) as session:
        run_id = start_run(
            session, kind, shop_id=shop_id, source_url=client.url, dry_run=dry_run
        ).id
    try:
        listed: dict[int, str] = {}
        for site in sites:
            for page in client.iter_manifest(site=site):
                listed.update((item.id, item.stamp) for item in page.items)
        plan = plan_resend(listed, _known(sessions, shop_id), resend_all=resend_all)
        result = ManifestResult(run_id, dry_run, len(listed), plan)
        if not dry_run and plan.ids:
            result.queued = client.resend(plan.ids)
    except BaseException as exc:
        mark_failed(sessions, run_id, exc)
        raise
    with write_session(sessions) as session:
        run = get_run(session, run_id, for_update=True)
        run.total = run.next_offset = result.listed
        run.created, run.updated = len(plan.missing), len(plan.changed)
        run.deleted, run.unchanged = len(plan.vanished), plan.unchanged
        finish_run(session, run_id)
    log.info(result.summary(), extra={"run_id": run_id})
    return result


def reconcile_shops_by_manifest(sessions: sessionmaker[Session], settings: Settings) -> None:
    """One scheduled run for every shop the module feeds (``VITRINA_RECONCILE_EVERY``)."""
    url = settings.bitrix_module_url
    if not url:
        return
    shops = sorted(set(settings.bitrix_site_shops.values())) or [settings.default_shop_id]
    with closing(ModuleClient(url, settings.webhook_secrets)) as client:
        for shop_id in shops:
            reconcile_by_manifest(
                sessions, client, shop_id=shop_id, sites=shop_sites(settings, shop_id)
            )


def _known(sessions: sessionmaker[Session], shop_id: int) -> dict[int, Known]:
    # Only the stamp is read out of the JSON payload, not whole payloads of the whole catalog.
    stamp = Product.source_payload["stamp"].as_string()
    with sessions() as session:
        rows = session.execute(
            select(Product.id, Product.enabled & Product.available, stamp).where(in_shop(shop_id))
        )
        return {row[0]: Known(bool(row[1]), row[2]) for row in rows}
