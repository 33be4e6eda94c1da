# `make run` and `make test` each do their own set-up on a fresh machine.
# `make run` installs only what the service needs; `make test` adds the test and lint tools.
PYTHON ?= python3
PORT   ?= 8000
# Test processes: most tests wait on servers, subprocesses and the worker, so two share 2 cores well.
PYTEST_WORKERS ?= 2
VENV   := .venv
BIN    := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.runtime-stamp
DEV_STAMP     := $(VENV)/.dev-stamp

.PHONY: run test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUNTIME_STAMP)

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(RUNTIME_STAMP) $(DEV_STAMP)

## The main job: a seeded Bitrix stand-in, imported, indexed and served on http://127.0.0.1:$(PORT)
run: $(RUNTIME_STAMP)
	$(BIN)/vitrina demo --port $(PORT)

## The whole test suite, after the linters
test: $(DEV_STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --durations=15 $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

## Every benchmark as shipped (each switches off the limits it would trip); bitrix_module.py needs php
bench: $(DEV_STAMP)
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/import.py
	$(BIN)/python benchmarks/stats.py
	$(BIN)/python benchmarks/startup.py
	$(BIN)/python benchmarks/embed.py
	$(BIN)/python benchmarks/search.py
	$(BIN)/python benchmarks/freshness.py
	$(BIN)/python benchmarks/mixed_load.py
	$(BIN)/python benchmarks/quality.py
	$(BIN)/python benchmarks/bitrix_module.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache
