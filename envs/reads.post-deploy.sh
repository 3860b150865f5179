#!/usr/bin/env bash
# Snakemake runs this inside the new otuflow-reads conda environment (--sdm conda): the read
# check needs this checkout's otuflow package, installed exactly as for the python environment.
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/python.post-deploy.sh"
