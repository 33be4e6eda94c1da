"""``vitrina dev …``: stand-ins for the outside world, so Vitrina runs and demos offline."""

from __future__ import annotations

import secrets
import threading
from typing import Annotated

import typer

from vitrina.cli.output import out

app = typer.Typer(help="Developer tools: stand-ins for the services Vitrina talks to.",
                  no_args_is_help=True)


@app.callback()
def dev() -> None:
    """Developer tools: stand-ins for the services Vitrina talks to."""
    # A callback keeps `bitrix` a sub-command even while it is the only one.


@app.command("bitrix")
def bitrix(
    port: Annotated[int, typer.Option(help="Port to listen on (0 picks a free one).")] = 8800,
    products: Annotated[int, typer.Option(min=0, help="How many products to generate.")] = 200,
    token: Annotated[
        str | None, typer.Option(help="API token clients must send (default: a random one).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Same seed, same catalog and photos.")] = 0,
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    webhook_url: Annotated[
        str | None,
        typer.Option(help="Vitrina's webhook URL, to post a signed webhook for every change."),
    ] = None,
    webhook_secret: Annotated[
        str | None, typer.Option(help="whsec_… secret to sign webhooks with.")
    ] = None,
    change_every: Annotated[
        float,
        typer.Option(min=0, help="Seconds between scripted catalog changes (0: none)."),
    ] = 0.0,
) -> None:
    """Run a pretend Bitrix shop: its REST API, photos and (optionally) webhooks."""
    from vitrina.standin.server import StandIn  # the stand-in loads only when it runs

    if webhook_url and not webhook_secret:
        raise typer.BadParameter("--webhook-secret is needed to sign webhooks.")
    token = token or secrets.token_urlsafe(16)
    with out().status(f"Generating {products} products…"):
        standin = StandIn(products, token=token, seed=seed)
    stop = threading.Event()

    def ready(base_url: str) -> None:
        out().print(f"[bold]Bitrix stand-in[/bold] on [cyan]{base_url}[/cyan]")
        out().print(f"  token     {token}")
        out().print(f"  products  {products} (seed {seed})")
        out().print(f"  try       curl -H 'Authorization: Bearer {token}' "
                      f"'{base_url}/api/v2/products/?limit=2'", soft_wrap=True)
        if change_every:
            target = webhook_url or "nowhere (no --webhook-url)"
            out().print(f"  changes   one every {change_every:g} s, webhooks to {target}")
            threading.Thread(target=churn, name="standin-changes", daemon=True).start()
        out().print("Ctrl-C to stop.")

    def churn() -> None:
        while not stop.wait(change_every):
            event = standin.random_change()
            line = f"{event.event_type} {event.product_data['id']}"
            if webhook_url and webhook_secret:
                try:
                    response = standin.send_webhook(webhook_url, webhook_secret, event)
                    line += f" → HTTP {response.status_code}"
                except Exception as exc:  # the demo goes on even when Vitrina is down
                    line += f" → not delivered ({exc})"
            out().print(line)

    try:
        standin.serve_forever(port, host, on_ready=ready)
    except KeyboardInterrupt:
        # uvicorn shuts down gracefully, then re-raises the Ctrl-C it caught; that is a normal stop.
        out().print("Stopped.")
    finally:
        stop.set()
