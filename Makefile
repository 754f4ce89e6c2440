# Two commands do all the set-up: `make sandbox` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PLUGIN := backstage-plugin
PLUGIN_STAMP := $(PLUGIN)/node_modules/.installed

.PHONY: sandbox test lint install browser

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

# The dashboard's tests look at the page in a real headless Chromium (Debian's package).
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } || \
	  echo "chromium is not installed: the dashboard's browser tests will be skipped"

sandbox: $(STAMP)
	$(BIN)/landingzone sandbox --demo

lint: $(STAMP) $(PLUGIN_STAMP)
	$(BIN)/ruff check service tests bench
	$(BIN)/mypy
	cd $(PLUGIN) && npm run --silent typecheck

# The end-to-end suites mostly wait on real processes, so test files run four at a time.
test: lint browser
	cd $(PLUGIN) && npm test --silent
	$(BIN)/pytest -q -n 4 --dist loadfile
