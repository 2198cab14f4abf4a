# The two commands of the README:
#   make run    set up everything (and the offline model), then open the UI on the demo project
#   make test   set up everything, then run the whole test suite
# Set-up is idempotent: it reinstalls only when pyproject.toml changes.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.codering-installed

.PHONY: setup run test bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first, pinned: pip then takes the CPU build on disk instead of several GB of CUDA packages
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/codering model build
	$(BIN)/python tui.py

test: setup
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python benchmarks/import_corpus.py
