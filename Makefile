# The two commands of the README: `make run` and `make test`. Each builds .venv first if
# it is missing or older than the lock.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export DO_NOT_TRACK ?= 1

.PHONY: run test lint lock clean bench bench-pin

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "depeche needs Python 3.11, found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --progress-bar off --no-deps --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --progress-bar off --no-deps --no-build-isolation -e .
	@touch $(STAMP)

## run: set up, then ingest seeds/ into warehouse/depeche.duckdb
run: $(STAMP)
	$(BIN)/depeche ingest seeds

## test: set up, then lint and run the test suite
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest

## bench: extraction quality tables and the throughput benchmark (not part of `make test`)
bench: $(STAMP)
	$(BIN)/python -m benchmarks.extraction
	$(BIN)/python -m benchmarks.ner
	$(BIN)/python -m benchmarks.throughput
	$(BIN)/python -m benchmarks.fetch

## bench-pin: re-score extraction quality and write the pins the quality gate checks
bench-pin: $(STAMP)
	$(BIN)/python -m benchmarks.extraction --pin

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## lock: re-resolve requirements.lock from pyproject.toml (needs network to the registry)
lock:
	$(PYTHON) -m venv .uv && .uv/bin/pip install --quiet uv==0.13.8
	UV_PYTHON_DOWNLOADS=never .uv/bin/uv pip compile pyproject.toml --extra dev \
	  --generate-hashes --no-strip-extras --python-version 3.11 \
	  --python-platform x86_64-manylinux_2_28 --no-header --no-annotate -o requirements.lock

clean:
	rm -rf $(VENV) .uv .pytest_cache .ruff_cache warehouse/*.duckdb warehouse/*.wal
