"""``vitrina import/reconcile --source manifest``: through the Vitrina module, for a shop without
a product REST API (see :mod:`vitrina.integrations.bitrix.manifest`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing, contextmanager

import typer
from sqlalchemy.orm import Session, sessionmaker

from vitrina.cli.output import err, escape, out
from vitrina.config import Settings
from vitrina.integrations.bitrix.errors import BitrixAuthError, BitrixError
from vitrina.integrations.bitrix.manifest import reconcile_by_manifest, shop_sites
from vitrina.integrations.bitrix.module_client import ModuleClient


def run_manifest(
    sessions: sessionmaker[Session],
    settings: Settings,
    module_url: str,
    shop_id: int,
    *,
    dry_run: bool = False,
    resend_all: bool = False,
) -> None:
    """Compare the module's manifest with the catalog and ask for the drift; print the outcome."""
    sites = shop_sites(settings, shop_id)
    if not sites:
        err().print(
            f"[red]error:[/red] no Bitrix site maps to shop {shop_id} in"
            " VITRINA_BITRIX_SITE_SHOPS; nothing to compare."
        )
        raise typer.Exit(2)
    with (
        _module(module_url, settings.webhook_secrets) as client,
        err().status("Reading the manifest…"),
    ):
        result = reconcile_by_manifest(
            sessions, client, shop_id=shop_id, sites=sites, dry_run=dry_run, resend_all=resend_all
        )
    out(soft_wrap=True).print(result.summary())
    if result.queued:
        out(soft_wrap=True).print(
            "The shop's agent sends them through the webhook within a few minutes"
            " (module settings page → Sending shows the queue)."
        )


@contextmanager
def _module(url: str, secrets: list[str]) -> Iterator[ModuleClient]:
    """A client for the module; its errors become a clear message and exit code 1."""
    if not secrets:
        err().print(
            "[red]error:[/red] VITRINA_WEBHOOK_SECRETS is not set: requests to the module are signed with it."
        )
        raise typer.Exit(2)
    try:
        with closing(ModuleClient(url, secrets)) as client:
            yield client
    except BitrixAuthError as exc:
        err().print(f"[red]error:[/red] {escape(exc.message)}")
        raise typer.Exit(1) from None
    except BitrixError as exc:
        err().print(f"[red]error:[/red] {escape(exc.message)}")
        err().print("Nothing was asked of the shop; run the same command again later.")
        raise typer.Exit(1) from None
