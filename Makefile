# Two commands do all set-up on a fresh machine:
#   make demo   simulate the demo cohort (once) and run the whole workflow on it
#   make test   the whole test suite
# Every command below calls the venv's programs by path: nothing needs the venv activated.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CORES ?= 2

.PHONY: all setup tools test-tools bench-tools demo test lint dry-run clean

all: demo

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $@

setup: $(VENV)/.installed tools

tools:
	tools/install_external_tools.sh

test-tools:
	tools/install_external_tools.sh --with-test-tools

# What benchmarks/race.py and benchmarks/asv.py race against (QIIME 2's DADA2 route, R dada2).
bench-tools: setup
	tools/install_external_tools.sh --with-bench-tools

demo/clinical.tsv: | $(VENV)/.installed
	# --force: replaces only a demo cohort an older otuflow simulated here (never other files)
	$(BIN)/otuflow simulate --out demo --seed 42 --force

demo: setup demo/clinical.tsv
	$(BIN)/snakemake --cores $(CORES)

dry-run: setup demo/clinical.tsv
	$(BIN)/snakemake -n

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/snakemake --lint

test: setup test-tools
	$(BIN)/python -m pytest -q -p no:cacheprovider

clean:
	rm -rf results .snakemake
