#!/usr/bin/env bash
# Install the external programs otuflow calls, from Debian packages, when they are missing.
# Usage: tools/install_external_tools.sh [--with-test-tools | --with-bench-tools]
#   --with-bench-tools also what the benchmarks race or compare against (benchmarks/race.py,
#                      benchmarks/asv.py): the test tools plus QIIME 2's DADA2, cutadapt and
#                      feature-classifier plugins and R's dada2 (`make bench-tools`).
#   --with-test-tools  also the reference implementations the test suite compares against
#                      (RDP Classifier 2.10 + Java; R with vegan, phyloseq and GUniFrac,
#                      about 30 s to install), the clients the exported results must open in
#                      (QIIME 2 2022.11: q2cli with the Debian plugins the tests use; mothur)
#                      and Chromium, which renders the report headless. Measured on a 2-core
#                      Debian 12 machine (issue 12): q2cli, q2-types, q2-feature-table, q2-taxa,
#                      mothur and chromium 4 min 4 s, q2-phylogeny 42 s more (with
#                      q2-diversity-lib, not needed).
set -euo pipefail

declare -A PACKAGE_OF=([vsearch]=vsearch [mafft]=mafft [FastTree]=fasttree)
if [[ "${1:-}" == "--with-test-tools" || "${1:-}" == "--with-bench-tools" ]]; then
  PACKAGE_OF[java]=default-jre-headless
  PACKAGE_OF[/usr/share/rdp-classifier/rdp_classifier.jar]=rdp-classifier
  PACKAGE_OF[Rscript]=r-base-core
  PACKAGE_OF[/usr/lib/R/site-library/vegan]=r-cran-vegan
  PACKAGE_OF[/usr/lib/R/site-library/phyloseq]=r-bioc-phyloseq
  PACKAGE_OF[/usr/lib/R/site-library/GUniFrac]=r-cran-gunifrac
  PACKAGE_OF[qiime]=q2cli
  for plugin in q2-types q2-feature-table q2-taxa q2-phylogeny; do
    PACKAGE_OF[/usr/lib/python3/dist-packages/${plugin//-/_}]=$plugin
  done
  PACKAGE_OF[mothur]=mothur
  PACKAGE_OF[chromium]=chromium
fi
if [[ "${1:-}" == "--with-bench-tools" ]]; then
  for plugin in q2-dada2 q2-cutadapt q2-feature-classifier; do
    PACKAGE_OF[/usr/lib/python3/dist-packages/${plugin//-/_}]=$plugin
  done
  PACKAGE_OF[/usr/lib/R/site-library/dada2]=r-bioc-dada2
fi

missing=()
for tool in "${!PACKAGE_OF[@]}"; do
  if [[ "$tool" == /* ]]; then [[ -e "$tool" ]] && continue
  else command -v "$tool" >/dev/null 2>&1 && continue; fi
  missing+=("${PACKAGE_OF[$tool]}")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
explain() {
  cat >&2 <<MSG
otuflow needs these programs, which are not installed: ${missing[*]}
$1
Either install them (Debian/Ubuntu: sudo apt-get install ${missing[*]}), or let Snakemake
create per-rule conda environments from envs/*.yaml:  snakemake --sdm conda --cores N
MSG
  exit 1
}
command -v apt-get >/dev/null 2>&1 || explain "This is not a Debian-like system (no apt-get)."
[[ $(id -u) -eq 0 ]] || explain "Installing them needs root, and this user is not root."

echo "Installing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
