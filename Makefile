# Two commands do all the set-up: `make sandbox` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PLUGIN := backstage-plugin
PLUGIN_STAMP := $(PLUGIN)/node_modules/.installed

.PHONY: sandbox test lint install

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The Backstage module and the real Backstage backend its end-to-end test runs.
$(PLUGIN_STAMP): $(PLUGIN)/package-lock.json
	cd $(PLUGIN) && npm ci --no-audit --no-fund
	touch $(PLUGIN_STAMP)

install: $(STAMP) $(PLUGIN_STAMP)

sandbox: $(STAMP)
	$(BIN)/landingzone sandbox --demo

lint: $(STAMP) $(PLUGIN_STAMP)
	$(BIN)/ruff check service tests bench
	$(BIN)/mypy
	cd $(PLUGIN) && npm run --silent typecheck

test: lint
	cd $(PLUGIN) && npm test --silent
	$(BIN)/pytest -q
