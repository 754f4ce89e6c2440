# Two commands do all the set-up: `make sandbox` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: sandbox test lint install

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

sandbox: $(STAMP)
	$(BIN)/landingzone sandbox --demo

lint: $(STAMP)
	$(BIN)/ruff check service tests bench
	$(BIN)/mypy

test: $(STAMP)
	$(BIN)/ruff check service tests bench
	$(BIN)/mypy
	$(BIN)/pytest -q
