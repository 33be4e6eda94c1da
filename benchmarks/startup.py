"""Start-up: ``vitrina serve`` from the command to the first ``200`` from ``/healthz`` (SQLite, 0
photos, the shipped defaults: embedded worker and a search process of its own).

Baseline in the same run: ``python -c "import fastapi"``, the least a FastAPI service can start
in, timed as a subprocess on the same interpreter. Runs alternate (baseline, serve, baseline, …)
so a change in the machine's load hits both; the database is migrated and the model file built
before the first run, as after an install (``vitrina migrate``; ``vitrina models prepare``).
Also printed: which heavy modules the API process has imported once it answers (read from a
``vitrina serve`` started with ``PYTHONPROFILEIMPORTTIME``), and the time until a first photo
search is answered (the search process spawned and its model loaded).
Target (2 cores, issue 20): start-up to ``/healthz`` ≤ 3× the baseline.
Run: ``.venv/bin/python benchmarks/startup.py [--repeats 5]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._server import free_port, percentile
from tests.support.photos import jpeg, sample_photos

from vitrina.config import load_settings
from vitrina.ingest.signatures import new_secret

SEARCH = "/api/v1/search/upload"
PHOTO = jpeg(next(iter(sample_photos().values())))
HEAVY = ("onnx", "onnxruntime", "cv2", "faiss", "numpy", "PIL", "httpx", "jinja2", "sqlalchemy", "rich")


def import_fastapi_s() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import fastapi"], check=True)
    return time.perf_counter() - started


def serve_s(
    env: dict[str, str], *, imports: Path | None = None
) -> tuple[float, float | None, int]:
    """Seconds from ``vitrina serve`` to the first 200 from /healthz, and to a first answered
    photo search (None if none came in the time allowed); with ``imports``, the import log's
    length when /healthz answered."""
    port = free_port()
    extra = {"PYTHONPROFILEIMPORTTIME": "1"} if imports else {}
    with open(imports or os.devnull, "wb") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "vitrina.cli", "serve", "--port", str(port)],
            env={**os.environ, "VITRINA_LOG_LEVEL": "WARNING", **env, **extra},
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        base = f"http://127.0.0.1:{port}"
        healthy = ready = None
        answered_at = 0
        try:
            while time.perf_counter() - started < 180:
                if proc.poll() is not None:
                    raise RuntimeError(f"vitrina serve exited with {proc.returncode}")
                try:
                    if healthy is None:
                        if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                            healthy = time.perf_counter() - started
                            if imports:  # what the API process had imported by then
                                answered_at = imports.stat().st_size
                    else:
                        files = {"file": ("q.jpg", PHOTO, "image/jpeg")}
                        answer = httpx.post(base + SEARCH, files=files, timeout=120)
                        if answer.status_code != 503:  # 503: still starting, ask again
                            answer.raise_for_status()
                            ready = time.perf_counter() - started
                            break
                except httpx.TransportError:
                    pass
                time.sleep(0.02)
        finally:
            proc.terminate()
            proc.wait(30)
    if healthy is None:
        raise RuntimeError("vitrina serve did not answer /healthz in 180 s")
    return healthy, ready, answered_at


def heavy_imports_before_answering(env: dict[str, str]) -> list[str]:
    """The heavy modules the API process (the first one logging imports) had loaded."""
    with tempfile.NamedTemporaryFile(suffix=".log") as log:
        answered_at = serve_s(env, imports=Path(log.name))[2]
        text = Path(log.name).read_bytes()[:answered_at].decode(errors="replace")
    api = text.split("import time: self [us] | cumulative | imported package")[1]
    loaded = {row.rsplit("|", 1)[-1].strip() for row in api.splitlines() if "|" in row}
    return [name for name in HEAVY if name in loaded]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "VITRINA_DATABASE_URL": f"sqlite:///{tmp}/start.db",
            "VITRINA_WEBHOOK_SECRETS": new_secret(),
            "VITRINA_MODEL_DIR": str(load_settings().model_dir),
            "VITRINA_SEARCH_RATE_LIMIT": "0",
        }
        for command in (["migrate"], ["models", "prepare"]):
            subprocess.run(
                [sys.executable, "-m", "vitrina.cli", *command],
                env={**os.environ, **env},
                check=True,
                stdout=subprocess.DEVNULL,
            )
        serve_s(env)  # warm the page cache
        bases, serves, readies = [], [], []
        for _ in range(args.repeats):
            bases.append(import_fastapi_s())
            healthy, ready, _ = serve_s(env)
            serves.append(healthy)
            if ready is not None:
                readies.append(ready)
        heavy = heavy_imports_before_answering(env)
    base, serve = percentile(bases, 0.5), percentile(serves, 0.5)
    print(f"{'what':<44} {'p50 s':>7}  vs base")
    baseline = 'python -c "import fastapi" (baseline)'
    print(f"{baseline:<44} {base:>7.2f}")
    print(f"{'vitrina serve → /healthz 200':<44} {serve:>7.2f}  {serve / base:6.2f}x (target ≤ 3x)")
    if readies:
        ready = percentile(readies, 0.5)
        first = "vitrina serve → first photo search answered"
        print(f"{first:<44} {ready:>7.2f}  {ready / base:6.2f}x")
    print(f"heavy modules in the API process when it answers: {', '.join(heavy) or 'none'}")


if __name__ == "__main__":
    main()
