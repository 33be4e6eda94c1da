"""Helpers for tests that need a system tool (php, chromium).

On a developer's laptop a missing tool skips the test with a clear reason; in CI
(``VITRINA_TEST_STRICT=1``, set by ``.ci/run``) it fails, so every test really runs there.
"""

from __future__ import annotations

import os
import shutil

import pytest

STRICT = os.environ.get("VITRINA_TEST_STRICT") == "1"


def require_executable(name: str, package: str) -> str:
    """Path of ``name`` or skip (fail under ``VITRINA_TEST_STRICT=1``) naming the Debian package."""
    path = shutil.which(name)
    if path is None:
        reason = f"{name} not found: install the Debian package {package!r} (.ci/run does)"
        if STRICT:
            pytest.fail(reason)
        pytest.skip(reason)
    return path
