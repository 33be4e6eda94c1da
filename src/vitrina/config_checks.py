"""Checks of the settings against this machine, at start: the folders Vitrina writes to are
writable, the files it reads are readable, the database driver is installed.

Pure value checks live on :class:`~vitrina.config.Settings`; these need the file system. Both
fail the start with one line naming the setting (``ConfigurationError``), instead of a healthy
start and then a 500 on every search or webhook.
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

from vitrina.config import Settings
from vitrina.errors import ConfigurationError


def check_environment(settings: Settings) -> None:
    """Raise :class:`ConfigurationError` naming the first setting this machine cannot honour."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            _writable_folder("VITRINA_DATABASE_URL", Path(url.database).parent, "the database's folder")
    elif importlib.util.find_spec("psycopg") is None:
        raise ConfigurationError(
            "VITRINA_DATABASE_URL: PostgreSQL needs its driver: pip install -e '.[postgres]'"
        )
    if settings.vector_index_dir is not None:
        _writable_folder("VITRINA_VECTOR_INDEX_DIR", settings.vector_index_dir, "the index folder")
    _model_folder(settings.model_dir)
    if settings.clip_dir is not None:
        _readable("VITRINA_CLIP_DIR", settings.clip_dir, folder=True)
    if settings.vertex_credentials is not None:
        _readable("VITRINA_VERTEX_CREDENTIALS", settings.vertex_credentials, folder=False)


def _model_folder(folder: Path) -> None:
    """The model cache is written once, then only read: a read-only folder is fine when the
    model is already in it (``vitrina models prepare``), else it must be writable."""
    if folder.is_dir() and os.access(folder, os.R_OK | os.X_OK) and any(folder.glob("*.onnx")):
        return
    _writable_folder("VITRINA_MODEL_DIR", folder, "the model cache")


def _writable_folder(setting: str, folder: Path, what: str) -> None:
    """``folder`` exists (or can be created) and Vitrina may write in it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigurationError(
            f"{setting}: cannot create {what} {str(folder)!r} ({error.strerror})"
        ) from None
    if not folder.is_dir():
        raise ConfigurationError(f"{setting}: {what} {str(folder)!r} is not a folder")
    try:  # a real write, not os.access: a read-only mount or a full disk shows here too
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise ConfigurationError(
            f"{setting}: {what} {str(folder)!r} is not writable ({error.strerror})"
        ) from None


def _readable(setting: str, path: Path, *, folder: bool) -> None:
    kind = "folder" if folder else "file"
    if not (path.is_dir() if folder else path.is_file()):
        raise ConfigurationError(f"{setting}: {str(path)!r} is not an existing {kind}")
    if not os.access(path, os.R_OK | (os.X_OK if folder else 0)):
        raise ConfigurationError(f"{setting}: {str(path)!r} is not readable")
