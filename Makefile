# Two commands do all set-up on a fresh machine:
#   make demo   simulate the demo cohort (once) and run the whole workflow on it
#   make test   the whole test suite
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
CORES ?= 2
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: all setup tools test-tools demo test lint dry-run clean

all: demo

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements.lock
	$(VENV)/bin/pip install -q --no-deps -e .
	touch $@

setup: $(VENV)/.installed tools

tools:
	tools/install_external_tools.sh

test-tools:
	tools/install_external_tools.sh --with-test-tools

demo/samples.tsv: | $(VENV)/.installed
	otuflow simulate --out demo --seed 42

demo: setup demo/samples.tsv
	snakemake --cores $(CORES) --configfile config.yaml

dry-run: setup demo/samples.tsv
	snakemake -n --configfile config.yaml

lint: $(VENV)/.installed
	ruff check .
	snakemake --lint --configfile config.yaml

test: setup test-tools
	$(VENV)/bin/python -m pytest -q -p no:cacheprovider

clean:
	rm -rf results .snakemake
