"""Regenerate stats_metastats.shared and .design (mothur reference run input; see README.md)."""

import numpy as np

rng = np.random.default_rng(20240611)
groups = {"A": 5, "B": 6, "C": 8, "D": 9}
samples, labels = [], []
for g, n in groups.items():
    for k in range(n):
        samples.append(f"{g}{k + 1}")
        labels.append(g)
n_otu = 24
base = rng.gamma(0.6, 1.0, n_otu)
base /= base.sum()
shift = np.ones((n_otu, len(groups)))
shift[0, 1] = 4.0
shift[1, 0] = 0.2
shift[2, 3] = 3.0
shift[3, 2] = 0.3
counts = np.zeros((n_otu, len(samples)), dtype=int)
gi = {g: i for i, g in enumerate(groups)}
for j, g in enumerate(labels):
    mu = base * shift[:, gi[g]]
    mu /= mu.sum()
    depth = rng.integers(1500, 3000)
    lam = rng.gamma(5.0, mu * depth / 5.0)
    counts[:, j] = rng.poisson(lam)
# Sparse OTUs (Fisher branch), some with equal and some with unequal group totals.
counts[20:, :] = 0
idx = {g: [j for j, lab in enumerate(labels) if lab == g] for g in groups}
counts[20, idx["A"][0]] = 1
counts[20, idx["B"][2]] = 1
counts[21, idx["C"][1]] = 2
counts[21, idx["D"][4]] = 2
counts[21, idx["A"][3]] = 1
counts[21, idx["B"][1]] = 1
counts[22, idx["A"][1]] = 3
counts[22, idx["A"][2]] = 1
counts[22, idx["C"][0]] = 5
counts[23, idx["B"][0]] = 2
counts[23, idx["C"][5]] = 1
counts[23, idx["D"][7]] = 4
names = [f"Otu{i + 1:03d}" for i in range(n_otu)]
with open("stats_metastats.shared", "w") as fh:
    fh.write("label\tGroup\tnumOtus\t" + "\t".join(names) + "\n")
    for j, s in enumerate(samples):
        fh.write(f"0.03\t{s}\t{n_otu}\t" + "\t".join(map(str, counts[:, j])) + "\n")
with open("stats_metastats.design", "w") as fh:
    fh.write("group\ttreatment\n")
    for s, lab in zip(samples, labels, strict=True):
        fh.write(f"{s}\t{lab}\n")
