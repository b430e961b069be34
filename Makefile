# ordex — two commands: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
DB     ?= sqlite:///ordex.db
HOST   ?= 127.0.0.1
PORT   ?= 8000
LOCK   := requirements.txt
PIP    := $(BIN)/pip install --quiet --constraint $(LOCK)


.PHONY: browser
.PHONY: demo test install install-test lint typecheck imports unit integration e2e bench soak serve clean fuzz lock

ASSETS := src/ordex/entrypoints/web/static/vendor

# Every install takes the exact versions in $(LOCK) (a pip constraints file); see docs/configuration.md.
$(BIN)/ordex: pyproject.toml $(LOCK) $(ASSETS)/.installed
	$(PYTHON) -m venv $(VENV)
	$(PIP) pip
	$(PIP) -e .
	touch $@

$(VENV)/.test-deps: $(BIN)/ordex pyproject.toml $(LOCK)
	$(PIP) -e '.[test]'
	touch $@

## lock: refresh requirements.txt and pylock.toml on purpose (keeps today's pins; UPGRADE=1 takes the newest)
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet $(if $(UPGRADE),--upgrade,--constraint $(LOCK)) pip
	.lock-venv/bin/pip install --quiet $(if $(UPGRADE),,--constraint $(LOCK)) -e '.[test]'
	{ echo "# Exact versions of every package ordex and its tests install. Made by make lock;"; \
	  echo "# installed with pip --constraint by make install / make test. Do not edit by hand."; \
	  .lock-venv/bin/pip freeze --all --exclude-editable | grep -v -i -E '^(setuptools|wheel)=='; \
	} > $(LOCK).new && mv $(LOCK).new $(LOCK)
	.lock-venv/bin/pip lock --quiet --constraint $(LOCK) -e '.[test]' -o pylock.toml
	rm -rf .lock-venv

## the pages' front-end packages: exact versions from package-lock.json (npm ci), copied beside
## the templates; node_modules/ and static/vendor/ are never committed (docs/web.md)
$(ASSETS)/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(ASSETS)
	cp node_modules/htmx.org/dist/htmx.min.js node_modules/echarts/dist/echarts.min.js $(ASSETS)/
	touch $@

install: $(BIN)/ordex
install-test: $(VENV)/.test-deps

## demo: install, simulate the default week into SQLite, create one demo user per role (printed;
## README lists them), then serve http://$(HOST):$(PORT) in demo mode
demo: install
	$(BIN)/ordex simulate --db $(DB)
	ORDEX_DEMO=true $(BIN)/ordex demo-users --db $(DB)
	ORDEX_DEMO=true $(BIN)/ordex serve --demo --db $(DB) --host $(HOST) --port $(PORT)

serve: install
	$(BIN)/ordex serve --db $(DB) --host $(HOST) --port $(PORT)

## test: lint, type-check, import contracts, then every test tier (SQLite and PostgreSQL)
test: install-test browser lint typecheck imports
	$(BIN)/pytest -q

## browser: Debian's Chromium for the browser tests (installed when missing)
browser:
	@command -v chromium >/dev/null || apt-get install -y -q chromium chromium-driver >/dev/null \
	  || (apt-get update -q >/dev/null && apt-get install -y -q chromium chromium-driver >/dev/null)

lint: install-test
	$(BIN)/ruff check src tests

typecheck: install-test
	$(BIN)/mypy

imports: install-test
	$(BIN)/lint-imports

unit: install-test
	$(BIN)/pytest -q tests/unit

integration: install-test
	$(BIN)/pytest -q tests/integration

e2e: install-test
	$(BIN)/pytest -q tests/e2e

## soak: the crash tests at 20,000 orders (make test runs them at 2,000)
soak: install-test
	ORDEX_CRASH_ORDERS=20000 ORDEX_CRASH_KILLS=8 $(BIN)/pytest -q tests/integration/test_crash_recovery.py

## bench: figures, never assertions (docs/benchmarks.md): order files and HTTP through intake on
## SQLite and PostgreSQL (sizes from BENCH_* variables), then detection, sourcing, claims, the
## outbox and every page's server time (simulated week, 1,000,000 generated cases)
bench: install-test
	$(BIN)/python -m benchmarks.intake
	$(BIN)/python -m benchmarks.detection
	$(BIN)/python -m benchmarks.sourcing
	$(BIN)/python -m benchmarks.claims
	$(BIN)/python -m benchmarks.outbox
	$(BIN)/python -m benchmarks.pages

clean:
	rm -rf $(VENV) ordex.db ordex.db-wal ordex.db-shm .pytest_cache .mypy_cache .ruff_cache

## fuzz: coverage-guided fuzzing of the EDI and CSV readers (atheris), a few minutes each
fuzz: install-test
	$(BIN)/pip install --quiet atheris
	rm -rf /tmp/ordex-x12-corpus && cp -r tests/fuzz/x12_seeds /tmp/ordex-x12-corpus
	$(BIN)/python fuzz/fuzz_x12.py /tmp/ordex-x12-corpus -max_total_time=300
	$(BIN)/python fuzz/fuzz_x12.py --csv -max_total_time=120
