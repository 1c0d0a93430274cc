# commbook — every target sets itself up (.venv) on a fresh machine with Python 3.11+.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
CB     := $(VENV)/bin/commbook
STAMP  := $(VENV)/.installed
PORT   ?= 8866

.PHONY: run test lint format bench clean setup

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --editable ".[test]"
	touch $(STAMP)

## run: set up, migrate the store, load the sample community, build last month's report, start the apps
run: $(STAMP)
	$(CB) db upgrade
	$(CB) samples load --if-empty
	$(CB) report run report --period last_month --format html
	$(CB) apps serve --port $(PORT)

## test: set up and run the whole suite (lint included)
test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## bench: performance benchmarks (ratios against reference implementations)
bench: $(STAMP)
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info data/commbook.db* benchmarks/results.json
	find reports -mindepth 1 ! -name README.md -exec rm -rf {} +
