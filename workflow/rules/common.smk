# Shared set-up: resolve the preset, validate the config, helpers for rules.
import hashlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(workflow.basedir)))  # the checkout's lop/, also without `pip install -e .`

from lop.config import apply_preset, ConfigError, default_preset, typed_overrides, validate
from lop.data.arrays import array_paths
from lop.figures import FAMILIES, FIGURES, NAMES, canonical, figure_dir
from lop.jobs import job_priority, job_templates
from lop.provenance import code_hash, source_hash

try:  # config.yaml <- preset <- the command line's --config values (YAML-typed), validated
    CFG = validate(apply_preset(config, overrides=typed_overrides(workflow.config_settings.overwrite_config)))
except ConfigError as e:  # one line naming the key and the fix (lop.config.explain), not jsonschema's dump
    print(f"ConfigError: {e}", file=sys.stderr)
    sys.exit(1)

PRESET = CFG["preset"]
RESULTS = f"results/{PRESET}"
# Conda env for --use-conda / --lint; the pip install of this repo provides the same packages.
ENV = "../../environment.yml"


def gpu_resources():
    """Training jobs ask for a GPU token when the preset may run on CUDA (cluster profiles schedule on it)."""
    return 1 if CFG["device"] in ("cuda", "auto") else 0


wildcard_constraints:
    arch="mlp|cnn|resnet|vit",
    seed=r"\d+",
    fig="|".join(NAMES),  # the figure registry, lop.figures


# Run rules (continual.smk, cloning.smk) are built from lop.jobs templates; their outputs and params:
def run_outputs(family, job):
    dirs = [f"{RESULTS}/{d}" for d in job.run_dirs(family)]
    return {"metrics": [f"{d}/metrics.parquet" for d in dirs], "run": [f"{d}/run.json" for d in dirs]}


def job_runs(family, job):
    """Param: the job's runs and their folders. A function of the wildcards only, so that Snakemake
    compares it between runs (params derived from output files are not compared)."""

    def runs(wildcards):
        return [
            {**r, "dir": f"{RESULTS}/{FAMILIES[family].run_dir.format(**r)}"} for r in job.runs(dict(wildcards.items()))
        ]

    return runs


def job_settings(family, job):
    """Param: the config a run of this job's arch reads (lop.figures.Family.run_settings)."""
    return lambda wildcards: FAMILIES[family].run_settings(CFG, job.runs(dict(wildcards.items()))[0]["arch"])


def figure_runs(fig):
    """The metrics tables figure `fig` reads (the figure registry, lop.figures)."""
    return [f"{RESULTS}/{r}/metrics.parquet" for r in FIGURES[fig].runs(CFG)]


# Data folders (data.smk makes them; the run rules read them).
def synthetic_dir(num_classes=None):
    s = CFG["data"]["synthetic"]
    n = num_classes or s["num_classes"]
    return f"results/data/synthetic/{s['image_size']}px-{n}c-{s['train_per_class']}n-seed{s['seed']}"


def dataset_dir(name):
    """Prepared-array folder of a dataset named in the config (`tinyimagenet`, `synthetic`, `cifar10`)."""
    return synthetic_dir() if name == "synthetic" else f"results/data/{name}"


def cloning_data_dir():
    c = CFG["cloning"]
    return dataset_dir("cifar10") if c["dataset"] == "cifar10" else synthetic_dir(c["synthetic_classes"])


def bitflip_seed_outputs(base):
    """One bit-flipping job's outputs: every width of one seed under `base`."""
    return {
        f"{kind}_{w}": f"{base}/width{w}/seed{{seed}}/{fname}"
        for w in CFG["bitflip"]["widths"]
        for kind, fname in (("metrics", "metrics.parquet"), ("run", "run.json"))
    }


def claims_hash():
    """The audit job's code: Snakemake does not see edits to the claims YAML, the tests they run or the
    code those test (the test suite reads the whole library, so whole folders are hashed)."""
    h = hashlib.sha256()
    for f in sorted((Path(workflow.basedir) / "paper_checks/claims").glob("*.yaml")):
        h.update(f.read_bytes())
    return f"{h.hexdigest()[:12]}-{source_hash('paper_checks', 'lop', 'tests')}"


def other_preset_figure(fig, preset, figure_dir):
    """Input of figures/<fig>.pdf at a non-default preset: always a one-line error naming the right target."""
    raise WorkflowError(
        f"figures/{fig}.pdf is the default preset's figure; at preset={preset} " f"ask for {figure_dir}/{fig}.pdf"
    )
