"""``vitrina import`` and ``vitrina reconcile``: bring a shop's catalog from Bitrix into Vitrina.

Mounted by :mod:`vitrina.cli.main` as ``import`` and ``reconcile``. Exit codes: 0 done, 1 Bitrix refused or could
not be reached (the message says which), 2 configuration missing or invalid.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from vitrina.cli.output import err, escape, out
from vitrina.cli.settings import migrated_database, settings_or_exit

if TYPE_CHECKING:
    from rich.progress import Progress
    from rich.table import Table
    from sqlalchemy.orm import Session, sessionmaker

    from vitrina.config import Settings
    from vitrina.integrations.bitrix.client import BitrixClient
    from vitrina.integrations.bitrix.importer import ImportProgress, Rejected
    from vitrina.integrations.bitrix.reconcile import ReconcileResult


BitrixUrl = Annotated[
    str | None,
    typer.Option("--bitrix-url", help="The shop's address (default: VITRINA_BITRIX_URL)."),
]
BitrixToken = Annotated[
    str | None,
    typer.Option(
        "--token",
        help="The shop's API token (default: VITRINA_BITRIX_TOKEN; prefer the variable, "
        "command lines are visible to other users).",
    ),
]
Source = Annotated[
    str,
    typer.Option(
        "--source",
        help="rest: the shop's /api/v2/products (VITRINA_BITRIX_URL and token); manifest: the "
        "Vitrina module (VITRINA_BITRIX_MODULE_URL); auto: rest when a token is set, else manifest.",
    ),
]
ModuleUrl = Annotated[
    str | None,
    typer.Option(
        "--module-url",
        help="The Vitrina module's api.php address (default: VITRINA_BITRIX_MODULE_URL).",
    ),
]
ShopId = Annotated[
    int | None, typer.Option("--shop", help="Shop id in Vitrina (default: VITRINA_DEFAULT_SHOP_ID).")
]
SHOWN_REJECTIONS = 20


def import_command(
    bitrix_url: BitrixUrl = None,
    token: BitrixToken = None,
    shop: ShopId = None,
    restart: Annotated[
        bool, typer.Option("--restart", help="Start over instead of resuming an unfinished import.")
    ] = False,
    source: Source = "auto",
    module_url: ModuleUrl = None,
) -> None:
    """Import the shop's whole catalog and queue every product for indexing (resumable).

    With the manifest source, the module is asked to send every product through the webhook.
    """
    if _manifest_source(source, bitrix_url, token, module_url):
        _run_manifest(module_url, shop, dry_run=False, resend_all=True)
        return
    settings, url, api_token, shop_id = _resolve(bitrix_url, token, shop)
    with _database(settings) as sessions, _bitrix(url, api_token) as client:
        import_with_progress(sessions, client, shop_id=shop_id, restart=restart)


def import_with_progress(
    sessions: sessionmaker[Session], client: BitrixClient, *, shop_id: int, restart: bool = False
) -> ImportProgress:
    """Run an import showing a progress bar (counts, rate) and print the outcome."""
    from vitrina.integrations.bitrix.importer import import_catalog

    started = time.perf_counter()
    with _progress() as bar:
        task = bar.add_task("importing", total=None, counts="", rate="")

        def on_page(progress: ImportProgress) -> None:
            elapsed = time.perf_counter() - started
            done = progress.offset - progress.resumed_from
            bar.update(
                task,
                total=progress.total,
                completed=progress.offset,
                counts=_counts(progress),
                rate=f"{done / elapsed:.0f}/s" if elapsed > 0 else "",
            )

        progress = import_catalog(
            sessions, client, shop_id=shop_id, source_url=client.base_url, restart=restart,
            on_page=on_page,
        )
    elapsed = time.perf_counter() - started
    _report_rejections(progress.rejected)
    for change in progress.skipped_changes:
        err().print(f"[yellow]kept[/yellow] product {change.product_id}: {escape(change.detail)}")
    resumed = f" (resumed at {progress.resumed_from})" if progress.resumed_from else ""
    done = progress.offset - progress.resumed_from
    out(soft_wrap=True).print(
        f"Imported {progress.offset} products from {escape(client.base_url)} into shop "
        f"{shop_id}{resumed}: {_counts(progress)} in {elapsed:.1f} s "
        f"({done / elapsed if elapsed > 0 else 0:.0f} products/s)."
    )
    return progress


def reconcile_command(
    bitrix_url: BitrixUrl = None,
    token: BitrixToken = None,
    shop: ShopId = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change; change nothing.")
    ] = False,
    source: Source = "auto",
    module_url: ModuleUrl = None,
) -> None:
    """Compare the shop with the catalog and fix the drift; print what changed."""
    if _manifest_source(source, bitrix_url, token, module_url):
        _run_manifest(module_url, shop, dry_run=dry_run, resend_all=False)
        return
    from vitrina.integrations.bitrix.reconcile import reconcile

    settings, url, api_token, shop_id = _resolve(bitrix_url, token, shop)
    with (
        _database(settings) as sessions,
        _bitrix(url, api_token) as client,
        err().status("Reading the shop's catalog…"),
    ):
        result = reconcile(
            sessions, client, shop_id=shop_id, source_url=client.base_url, dry_run=dry_run
        )
    _report_rejections(result.rejected)
    if result.changes:
        out(soft_wrap=True).print(_changes_table(result))
    out(soft_wrap=True).print(result.summary())


def _changes_table(result: ReconcileResult) -> Table:
    from rich.table import Table

    title = "Would change (dry run)" if result.dry_run else "Changes"
    table = Table(title=title, title_justify="left")
    table.add_column("action")
    table.add_column("product", justify="right")
    table.add_column("name")
    table.add_column("what")
    styles = {"created": "green", "updated": "cyan", "deleted": "red", "skipped": "yellow"}
    for change in result.changes:
        style = styles.get(change.action, "")
        table.add_row(
            f"[{style}]{change.action}[/{style}]" if style else change.action,
            str(change.product_id),
            escape(change.name or ""),
            escape(change.detail),
        )
    return table


def _counts(progress: ImportProgress) -> str:
    parts = [f"{progress.created} created", f"{progress.updated} updated"]
    parts.append(f"{progress.unchanged} unchanged")
    if progress.skipped:
        parts.append(f"{progress.skipped} kept (newer change)")
    if progress.failed:
        parts.append(f"{progress.failed} unreadable")
    return ", ".join(parts)


def _report_rejections(rejected: list[Rejected]) -> None:
    for bad in rejected[:SHOWN_REJECTIONS]:
        who = f"product {bad.product_id}" if bad.product_id else f"item at position {bad.position}"
        err().print(f"[yellow]skipped[/yellow] {who}: {escape(bad.error)}")
    if len(rejected) > SHOWN_REJECTIONS:
        err().print(f"… and {len(rejected) - SHOWN_REJECTIONS} more unreadable products")


def _manifest_source(
    source: str, url: str | None, token: str | None, module_url: str | None
) -> bool:
    """Whether to go through the module's manifest; exit 2 on an unknown ``--source``."""
    if source not in ("auto", "rest", "manifest"):
        err().print(f"[red]error:[/red] --source: expected auto, rest or manifest, got {source!r}.")
        raise typer.Exit(2)
    if source != "auto":
        return source == "manifest"
    settings = settings_or_exit()
    has_rest = bool((url or settings.bitrix_url) and (token or settings.bitrix_token))
    return not has_rest and bool(module_url or settings.bitrix_module_url)


def _run_manifest(
    module_url: str | None, shop: int | None, *, dry_run: bool, resend_all: bool
) -> None:
    from vitrina.cli.manifest import run_manifest

    settings = settings_or_exit()
    url = module_url or settings.bitrix_module_url
    if not url:
        err().print(
            "[red]error:[/red] the module's --module-url (VITRINA_BITRIX_MODULE_URL) is not set."
        )
        raise typer.Exit(2)
    shop_id = shop if shop is not None else settings.default_shop_id
    with _database(settings) as sessions:
        run_manifest(sessions, settings, url, shop_id, dry_run=dry_run, resend_all=resend_all)


def _resolve(
    url: str | None, token: str | None, shop: int | None
) -> tuple[Settings, str, str, int]:
    settings = settings_or_exit()
    url = url or settings.bitrix_url
    token = token or settings.bitrix_token
    if not url or not token:
        missing = " and ".join(
            name
            for name, value in (("--bitrix-url (VITRINA_BITRIX_URL)", url),
                                ("--token (VITRINA_BITRIX_TOKEN)", token))
            if not value
        )
        err().print(f"[red]error:[/red] the shop's {missing} is not set.")
        raise typer.Exit(2)
    return settings, url, token, shop if shop is not None else settings.default_shop_id


@contextmanager
def _database(settings: Settings) -> Iterator[sessionmaker[Session]]:
    from vitrina.db import make_sessionmaker

    with migrated_database(settings) as engine:
        yield make_sessionmaker(engine)


@contextmanager
def _bitrix(url: str, token: str) -> Iterator[BitrixClient]:
    """A client for the shop; Bitrix errors become a clear message and exit code 1."""
    from vitrina.integrations.bitrix.client import BitrixClient
    from vitrina.integrations.bitrix.errors import BitrixAuthError, BitrixError

    try:
        with BitrixClient(url, token) as client:
            yield client
    except BitrixAuthError as exc:
        err().print(f"[red]error:[/red] {escape(exc.message)}")
        err().print("Nothing more was imported; fix the token and run the command again.")
        raise typer.Exit(1) from None
    except BitrixError as exc:
        err().print(f"[red]error:[/red] {escape(exc.message)}")
        err().print("Progress so far is saved; run the same command again to continue.")
        raise typer.Exit(1) from None


@contextmanager
def _progress() -> Iterator[Progress]:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[counts]}"),
        TextColumn("[cyan]{task.fields[rate]}"),
        TimeElapsedColumn(),
        console=err(),
        transient=False,
    )
    with bar:
        yield bar


__all__ = ["import_command", "import_with_progress", "reconcile_command"]
