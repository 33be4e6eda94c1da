"""Start-up loads no heavy module the first answer does not need (issue 20): before it answers,
the API process imports neither the model builder (``onnx``) nor ONNX Runtime, faiss, OpenCV or
(on a database already up to date) Alembic."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HEAVY = ("onnx", "onnxruntime", "faiss", "cv2", "alembic")


def heavy_modules_after(code: str, heavy: tuple[str, ...] = HEAVY) -> set[str]:
    """Which of ``heavy`` a fresh interpreter has imported after running ``code``."""
    probe = f"import sys\n{code}\nprint(' '.join(m for m in {heavy!r} if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


def test_the_api_process_answers_without_heavy_modules(tmp_path: Path) -> None:
    code = f"""
from vitrina.db import make_engine
from vitrina.migrations import upgrade

url = "sqlite:///{tmp_path}/s.db"
engine = make_engine(url)
upgrade(engine)  # the first migration needs Alembic; a start on the migrated database must not
for name in [m for m in sys.modules if m.split(".")[0] == "alembic"]:
    del sys.modules[name]
upgrade(engine)

from fastapi.testclient import TestClient
import vitrina.cli.main
from vitrina.api.app import create_app
from vitrina.config import Settings

app = create_app(Settings(database_url=url, model_dir="{tmp_path}/models"), run_worker=False)
with TestClient(app) as client:
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/v1/stats").status_code == 200
"""
    assert heavy_modules_after(code) == set()
