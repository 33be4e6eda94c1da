"""``vitrina models``: get the image model ready before the service needs it."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Prepare the image models Vitrina uses.", no_args_is_help=True)


@app.callback()
def _models() -> None:
    """Keep ``prepare`` a named sub-command even while it is the only one."""


@app.command()
def prepare(
    model_dir: Annotated[
        Path | None,
        typer.Option(help="Cache folder (default: VITRINA_MODEL_DIR)."),
    ] = None,
    rebuild: Annotated[bool, typer.Option(help="Build again even if the cache exists.")] = False,
) -> None:
    """Build the EfficientNet-Lite0 ONNX model into the cache and print where it is.

    Run it at install time (or in the image build) so the first photo does not wait for it.
    """
    from vitrina.config import load_settings
    from vitrina.embedding.effnet import prepare_model
    from vitrina.errors import VitrinaError

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        settings = load_settings()
        path = prepare_model(model_dir or settings.model_dir, rebuild=rebuild)
    except VitrinaError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(code=1) from exc
    typer.echo(str(path))
