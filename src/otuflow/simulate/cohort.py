"""Simulate a whole cohort into a folder: reads, sample sheet, reference database and truth.

Every random step draws from its own stream, ``SeedSequence(seed, spawn_key=(stream, ...))``,
so a sample's profile, chimeras and reads depend only on the seed, its group and its index in
the group, never on how many other samples are made.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np

from otuflow.safety import (
    UnsafeOutputError,
    check_force_replace,
    folder_contents,
    system_folder_problem,
)
from otuflow.simulate import readme, writers
from otuflow.simulate.chimeras import CHIMERA_FRACTION, make_chimeras
from otuflow.simulate.clinical import clinical_record, sample_id
from otuflow.simulate.community import GROUPS, build_model, sample_profile
from otuflow.simulate.params import CohortParams
from otuflow.simulate.patients import LINK_GENUS, write_patient_table
from otuflow.simulate.reads import read_names, simulate_pairs, write_fastq_gz
from otuflow.simulate.sequences import evolve_templates
from otuflow.simulate.taxonomy import build_species

_STREAM_TEMPLATES, _STREAM_MODEL = 0, 1
_STREAM_COMMUNITY, _STREAM_CLINICAL, _STREAM_CHIMERAS, _STREAM_READS = 2, 3, 4, 5
_STREAM_PATIENTS = 6


class CohortExistsError(ValueError):
    """The output folder holds something other than a cohort made with the same parameters."""


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


def is_simulated_cohort(folder: str | os.PathLike) -> bool:
    """Whether ``folder`` holds the parameter record every simulated cohort has (its marker)."""
    return (Path(folder) / "truth" / "params.json").is_file()


def existing_cohort_problem(out_dir: str | os.PathLike, params: CohortParams) -> str | None:
    """Why ``out_dir`` cannot be reused for ``params``, or None if it holds exactly that cohort.

    Parameters
    ----------
    out_dir : path-like
        An existing folder.
    params : CohortParams
        Requested parameters.

    Returns
    -------
    str or None
        A sentence explaining the mismatch, or None when the folder is a complete, unmodified
        cohort made with the same parameters and model version.
    """
    out = Path(out_dir)
    params_file = out / "truth" / "params.json"
    if not params_file.is_file():
        return f"{out} is not empty and holds no simulated cohort ({params_file} is missing)"
    try:
        recorded = json.loads(params_file.read_text(encoding="utf-8"))["parameters"]
    except (ValueError, KeyError) as exc:
        return f"{params_file} is unreadable ({exc})"
    if recorded != params.as_dict():
        return f"{out} holds a cohort made with other parameters ({recorded})"
    if not (out / "clinical.tsv").is_file():
        return f"{out} was made by an older otuflow, without the clinical table"
    if not (out / writers.CHECKSUM_FILE).is_file():
        return f"{out / writers.CHECKSUM_FILE} is missing"
    if writers.read_checksums(out) != writers.file_digests(out):
        return f"files in {out} were changed, added or removed since it was simulated"
    return None


def simulate_cohort(
    out_dir: str | os.PathLike,
    seed: int = 42,
    samples_per_group: tuple[int, int, int] = (7, 10, 8),
    pairs_per_sample: int = 5000,
    *,
    force: bool = False,
) -> Path:
    """Simulate a cohort of paired-end V3-V4 reads with full ground truth.

    The cohort is written to a temporary sibling folder and renamed into place at the end, so a
    crash never leaves a folder that looks complete. A non-empty ``out_dir`` is reused if it
    already holds the same cohort; otherwise it is refused unless ``force`` is set.

    Parameters
    ----------
    out_dir : path-like
        Destination folder.
    seed : int
        Master seed; same seed and parameters give byte-identical files.
    samples_per_group : tuple of int
        Samples in Control, Opioid-S and Opioid-T.
    pairs_per_sample : int
        Read pairs per sample.
    force : bool
        Replace a non-empty ``out_dir`` that holds an earlier simulated cohort (never another
        folder, a system or home folder, the current folder or a git working tree).

    Returns
    -------
    pathlib.Path
        ``out_dir``.

    Raises
    ------
    CohortExistsError
        If ``out_dir`` is a file, or a non-empty folder holding something else (with ``force``:
        anything but an earlier simulated cohort), saying what ``force`` would delete.
    ValueError
        For invalid parameters.
    """
    params = CohortParams(seed, tuple(samples_per_group), pairs_per_sample)
    given = Path(out_dir)
    out = given.resolve()
    if out.exists() and not out.is_dir():
        raise CohortExistsError(f"{out} is a file; give a folder path for the cohort.")
    if out.is_dir() and any(out.iterdir()):
        if force:
            try:
                check_force_replace(given, is_simulated_cohort, "simulated cohort "
                                    "(truth/params.json, which otuflow simulate writes)")
            except UnsafeOutputError as error:
                raise CohortExistsError(str(error)) from None
        else:
            problem = existing_cohort_problem(out, params)
            if problem is None:
                return given
            raise CohortExistsError(
                f"{problem}. Choose an empty or new folder"
                + (", or pass --force (force=True) to replace it: it would delete "
                   f"{folder_contents(out)}" if is_simulated_cohort(out) else "")
                + "."
            )  # fmt: skip
    elif system_folder_problem(given):
        raise CohortExistsError(f"{system_folder_problem(given)}; give a folder of its own.")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.partial-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir()
        write_cohort(tmp, params)
        if out.exists():
            old = out.parent / f".{out.name}.replaced-{os.getpid()}"
            os.rename(out, old)
            os.rename(tmp, out)
            shutil.rmtree(old)
        else:
            os.rename(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return given


def write_cohort(folder: Path, params: CohortParams) -> None:
    """Write every file of the cohort into ``folder`` (an existing, empty folder).

    Parameters
    ----------
    folder : pathlib.Path
        Destination.
    params : CohortParams
        Parameters.
    """
    seed = params.seed
    species = build_species()
    templates = evolve_templates(species, _rng(seed, _STREAM_TEMPLATES))
    model = build_model(species, _rng(seed, _STREAM_MODEL))
    genus_of = [s.genus for s in species]
    ids = templates.ids

    truth = folder / "truth"
    reads_dir = folder / "reads"
    truth.mkdir()
    reads_dir.mkdir()
    writers.write_reference(folder / "reference", species, templates)
    writers.write_species_truth(truth, species, templates)

    samples, groups, clinical, profiles = [], [], [], []
    chimeras, chimera_reads, origins, summary = [], [], [], []
    for g, group in enumerate(GROUPS):
        for k in range(params.samples_per_group[g]):
            sid = sample_id(group, k)
            samples.append(sid)
            groups.append(group)
            clinical.append(clinical_record(group, k, _rng(seed, _STREAM_CLINICAL, g, k)))
            abundance = sample_profile(model, group, _rng(seed, _STREAM_COMMUNITY, g, k))
            profiles.append(abundance)

            rng = _rng(seed, _STREAM_CHIMERAS, g, k)
            fraction = float(rng.uniform(*CHIMERA_FRACTION))
            pool = abundance * (1.0 - fraction)
            sample_chimeras = make_chimeras(sid, templates, genus_of, pool, fraction, rng)
            present = np.flatnonzero(abundance > 0)
            labels = [ids[i] for i in present] + [c.chimera_id for c in sample_chimeras]
            amplicons = [templates.templates[ids[i]].amplicon for i in present]
            amplicons += [c.amplicon for c in sample_chimeras]
            weights = np.concatenate([pool[present], [c.abundance for c in sample_chimeras]])

            rng = _rng(seed, _STREAM_READS, g, k)
            pairs = simulate_pairs(amplicons, weights / weights.sum(), params.pairs_per_sample, rng)
            names = read_names(params.pairs_per_sample, rng)
            write_fastq_gz(reads_dir / f"{sid}_R1.fastq.gz", names, pairs.r1, pairs.q1, 1)
            write_fastq_gz(reads_dir / f"{sid}_R2.fastq.gz", names, pairs.r2, pairs.q2, 2)

            counts = np.bincount(pairs.template, minlength=len(labels))
            chimeras += sample_chimeras
            chimera_reads += counts[len(present) :].tolist()
            origins += [
                f"{sid}\t{name}\t{labels[t]}\t{p1}\t{p2}"
                for name, t, p1, p2 in zip(
                    names, pairs.template.tolist(), pairs.prefix1, pairs.prefix2, strict=True
                )
            ]
            summary.append(
                {
                    "sample": sid,
                    "group": group,
                    "species_present": len(present),
                    "chimera_fraction": f"{fraction:.6f}",
                    "chimeras": len(sample_chimeras),
                    "pairs": params.pairs_per_sample,
                    "chimeric_pairs": int(counts[len(present) :].sum()),
                }
            )

    abundance = np.stack(profiles, axis=1)
    writers.write_sample_sheet(folder / "samples.tsv", samples, clinical)
    writers.write_abundances(truth, species, samples, abundance)
    writers.write_groups(truth, samples, groups)
    writers.write_planted_effects(truth, species, groups, abundance)
    writers.write_chimeras(truth, chimeras, chimera_reads)
    writers.write_sample_summary(truth, summary)
    writers.write_read_origins(truth / "read_origins.tsv.gz", origins)
    link = abundance[[i for i, s in enumerate(species) if s.genus == LINK_GENUS]].sum(axis=0)
    write_patient_table(folder, truth, list(zip(samples, groups, clinical, strict=True)), link,
                        _rng(seed, _STREAM_PATIENTS))  # fmt: skip
    writers.write_json(
        truth / "params.json",
        {"generator": "otuflow simulate", "parameters": params.as_dict()},
    )
    readme.write_readme(truth / "README.md", params)
    writers.write_checksums(folder)
