# Dozor's tasks. CI runs `make test` through .ci/run.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo serve test check lint typecheck format messages bench clean-venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the dependencies change.
$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml constraints.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

# axe-core, the accessibility checker the browser tests run: one pinned, checked npm release.
$(VENV)/share/axe-core/VERSION: scripts/axe_core.py | $(BIN)/python
	$(BIN)/python scripts/axe_core.py --into $(VENV)/share/axe-core

## demo: create ./dozor-data with synthetic data and serve it on http://127.0.0.1:8000
demo: $(VENV)/.installed
	$(BIN)/dozor demo

serve: $(VENV)/.installed
	$(BIN)/dozor serve

## test: the whole suite on SQLite and on PostgreSQL, browser tests included
test: $(VENV)/.installed-dev $(VENV)/share/axe-core/VERSION
	VENV=$(VENV) scripts/test.sh

## check: lint, format check, type check, then the tests
check: lint typecheck test

## lint: ruff (lint and format check) and the import contracts of pyproject.toml (lint-imports)
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy dozor bench

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## messages: refresh the Russian catalogue after changing translatable text (needs GNU gettext)
messages: $(VENV)/.installed-dev
	$(BIN)/python scripts/messages.py

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/list_incidents.py
	$(BIN)/python bench/import_rows.py
	$(BIN)/python bench/exports.py

clean-venv:
	rm -rf $(VENV)
