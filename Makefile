# ordex — two commands: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
DB     ?= sqlite:///ordex.db
HOST   ?= 127.0.0.1
PORT   ?= 8000


.PHONY: browser
.PHONY: demo test install install-test lint typecheck imports unit integration e2e bench serve clean fuzz

$(BIN)/ordex: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test-deps: $(BIN)/ordex pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/ordex
install-test: $(VENV)/.test-deps

## demo: install, simulate the default week into SQLite, then serve http://$(HOST):$(PORT)
demo: install
	$(BIN)/ordex simulate --db $(DB)
	$(BIN)/ordex serve --db $(DB) --host $(HOST) --port $(PORT)

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

## bench: throughput and latency figures (never assertions): pipeline, detection, sourcing
bench: install-test
	$(BIN)/python -m benchmarks.pipeline
	$(BIN)/python -m benchmarks.detection
	$(BIN)/python -m benchmarks.sourcing

clean:
	rm -rf $(VENV) ordex.db ordex.db-wal ordex.db-shm .pytest_cache .mypy_cache .ruff_cache

## fuzz: coverage-guided fuzzing of the EDI and CSV readers (atheris), a few minutes each
fuzz: install-test
	$(BIN)/pip install --quiet atheris
	rm -rf /tmp/ordex-x12-corpus && cp -r tests/fuzz/x12_seeds /tmp/ordex-x12-corpus
	$(BIN)/python fuzz/fuzz_x12.py /tmp/ordex-x12-corpus -max_total_time=300
	$(BIN)/python fuzz/fuzz_x12.py --csv -max_total_time=120
