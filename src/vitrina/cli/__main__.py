"""``python -m vitrina.cli`` runs the ``vitrina`` command."""

from vitrina.cli.main import app

app()
