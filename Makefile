# Two commands do all the set-up: `make sandbox` and `make test`. `make check` is the quick loop.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PLUGIN := backstage-plugin
PLUGIN_STAMP := $(PLUGIN)/node_modules/.installed
# Locked dependencies, with hashes: see "Dependencies" in the README.
LOCKS := requirements/build.txt requirements/production.txt requirements/dev.txt
# The Python the locks are resolved for (some pins need 3.11.5 or newer).
LOCK_PYTHON := 3.11.7
UV_COMPILE = $(BIN)/uv pip compile --quiet --generate-hashes --python-version $(LOCK_PYTHON) \
	--python-platform x86_64-unknown-linux-gnu --custom-compile-command 'make lock' $(LOCK_FLAGS)

.PHONY: sandbox test check lint lint-python install browser kubectl lock lock-upgrade

# Everything comes from the locks; the project itself is installed without resolving anything.
# The two dependencies published without a wheel are built by the locked setuptools.
# The product and the sandbox (service/pyproject.toml), two distributions, both editable.
$(STAMP): $(LOCKS) pyproject.toml setup.py service/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements/build.txt
	$(BIN)/pip install --quiet --require-hashes --no-build-isolation -r requirements/dev.txt
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e . -e ./service
	touch $(STAMP)

# Re-pin after editing pyproject's dependencies; versions already pinned are kept.
# Production: the product alone. Dev: the product, its dev extra and the sandbox.
lock: $(STAMP)
	$(UV_COMPILE) requirements/build.in -o requirements/build.txt
	$(UV_COMPILE) pyproject.toml -o requirements/production.txt
	$(UV_COMPILE) requirements/dev.in requirements/build.in \
	  --no-emit-package landingzone --no-emit-package landingzone-sandbox \
	  -c requirements/production.txt -c requirements/build.txt -o requirements/dev.txt

# Move every pin to the newest release the constraints allow.
lock-upgrade:
	$(MAKE) lock LOCK_FLAGS=--upgrade

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

# The environment repositories' overlays are rendered by `kubectl kustomize` in the tests
# (Debian's kubernetes-client; LZ_KUBECTL names another binary).
kubectl:
	@command -v kubectl >/dev/null 2>&1 || [ -n "$$LZ_KUBECTL" ] || \
	  { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq kubernetes-client >/dev/null; } || \
	  echo "kubectl is not installed: the environment overlay tests will be skipped"

sandbox: $(STAMP)
	$(BIN)/landingzone sandbox --demo

lint-python: $(STAMP)
	$(BIN)/ruff check service tests bench
	$(BIN)/mypy

lint: lint-python $(PLUGIN_STAMP)
	cd $(PLUGIN) && npm run --silent typecheck

# The inner loop, about three minutes on two cores: Python lint and every test not marked slow
# (tests/conftest.py says which are: the end-to-end suites, the image, the toolchains, anything
# starting processes).
check: lint-python
	$(BIN)/pytest -q -m "not slow" -n 4 --dist loadfile --no-loadscope-reorder --durations=5

# The end-to-end suites mostly wait on real processes, so test files run four at a time; the
# Backstage tests share one worker and one Backstage, and files with slow tests start first
# (tests/conftest.py groups them).
test: lint browser kubectl
	cd $(PLUGIN) && npm test --silent
	$(BIN)/pytest -q -n 4 --dist loadfile --no-loadscope-reorder
