#!/usr/bin/env bash
# Snakemake runs this inside the new otuflow-python conda environment (--sdm conda): install the
# otuflow package of this checkout into it, editable, so the rules always run this checkout's
# code. Its dependencies come from python.yaml, hence --no-deps.
set -euo pipefail
python -m pip install --quiet --no-deps -e "$(dirname "${BASH_SOURCE[0]}")/.."
