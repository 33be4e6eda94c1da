# `make run` and `make test` each do their own set-up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## The main job: a seeded Bitrix stand-in, imported, indexed and served on http://127.0.0.1:8000
run: $(STAMP)
	$(BIN)/vitrina demo

## The whole test suite, after the linters
test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/embed.py
	$(BIN)/python benchmarks/search.py
	$(BIN)/python benchmarks/freshness.py
	$(BIN)/python benchmarks/mixed_load.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache
