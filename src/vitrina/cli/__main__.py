"""``python -m vitrina.cli`` runs the ``vitrina`` command."""

from vitrina.cli.main import app

if __name__ == "__main__":  # not when a "spawn" child re-imports the main module
    app()
