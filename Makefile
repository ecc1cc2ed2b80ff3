# Rebound: build, test and run targets.
#
#   make demo     install (if needed) and play the console demo on SQLite
#   make test     install (if needed), then lint, type-check and run the full test suite
#
# Installation needs nothing but Python 3.11+ and PyPI: `make venv` creates .venv, puts uv in
# it with pip, and installs the pinned set in requirements-dev.lock (runtime and dev tools)
# plus the project itself (editable). requirements.lock pins the runtime alone (what the image
# installs). A stamp file makes a second run instant.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# pytest-xdist workers: most of the suite's wall time is tests waiting on real processes and
# slow fakes (not CPU), so more workers than cores pays; `make test TEST_WORKERS=0` runs serially.
TEST_WORKERS ?= 4

.DEFAULT_GOAL := help
.PHONY: help venv lock demo test bench console

help:
	@echo "make demo     install and play the console demo on SQLite"
	@echo "make test     install and run ruff, mypy, import-linter and pytest"
	@echo "make console  interactive console (rebound console)"
	@echo "make bench    run the benchmarks (python -m bench)"
	@echo "make venv     create/update .venv from requirements-dev.lock"
	@echo "make lock     regenerate requirements.lock and requirements-dev.lock from pyproject.toml"

venv: $(STAMP)

# The interpreter: created once, from a Python that must be 3.11 or newer.
$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else \
		"Rebound needs Python 3.11+, but $(PYTHON) is " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)

# uv, installed into the venv with pip (nothing outside PyPI is needed).
$(BIN)/uv: | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check 'uv>=0.5'

# Re-installs only when pyproject.toml or the lock changes (or the venv is new).
$(STAMP): pyproject.toml setup.py requirements-dev.lock | $(BIN)/uv
	$(BIN)/uv pip install --python $(BIN)/python -r requirements-dev.lock -e . --no-deps
	$(BIN)/uv pip check --python $(BIN)/python
	@for tool in ruff mypy lint-imports pytest; do \
		test -x $(BIN)/$$tool || { echo "dev tool $$tool missing from $(VENV): run 'make lock'" >&2; exit 1; }; \
	done
	@touch $@

# Pins for Python 3.11: the runtime alone, then runtime and dev tools (the `dev` extra) held
# to the same runtime versions. Existing pins are kept unless pyproject.toml needs a change
# (add --upgrade to both lines to move everything to the newest versions).
lock: | $(BIN)/uv
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 \
		-c requirements.lock -o requirements-dev.lock

demo: venv
	$(BIN)/rebound demo

test: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadgroup

bench: venv
	$(BIN)/python -m bench

console: venv
	$(BIN)/rebound console
