# Tongxin (同心). `make demo` runs the demo county; `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
TEST_DB ?= postgres://postgres@127.0.0.1:5432/tongxin_test
export TONGXIN_TEST_DATABASE_URL ?= $(TEST_DB)

.PHONY: help venv install demo serve test test-pg test-browser lint fmt bench clean

help:
	@echo "make demo      run the demo county on http://127.0.0.1:8000"
	@echo "make test      run the whole test suite on SQLite (browser tests too when Chromium is installed)"
	@echo "make test-pg   run the same suite on PostgreSQL ($$TONGXIN_TEST_DATABASE_URL)"
	@echo "make lint      ruff, ruff format --check, mypy, import-linter, vulture (dead code)"
	@echo "make bench     run the benchmarks (see bench/README.md)"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

$(VENV)/.installed-runtime: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

venv: $(PY)
install: $(VENV)/.installed

demo: $(VENV)/.installed-runtime
	TONGXIN_DEMO=1 $(BIN)/tongxin demo

serve: $(VENV)/.installed-runtime
	$(BIN)/tongxin serve

test: $(VENV)/.installed
	$(PY) -m pytest $(PYTEST_ARGS)

test-pg: $(VENV)/.installed
	TONGXIN_DATABASE_URL=$(TONGXIN_TEST_DATABASE_URL) $(PY) -m pytest $(PYTEST_ARGS)

test-browser: $(VENV)/.installed
	$(PY) -m pytest -m browser $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/vulture

fmt: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(VENV)/.installed
	$(PY) bench/run.py

clean:
	rm -rf var/static .pytest_cache .mypy_cache .ruff_cache
