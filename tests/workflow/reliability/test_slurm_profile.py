"""The SLURM profile at the paper preset (needs `pip install -e '.[slurm]'`): every training job asks for a
GPU on the GPU partition, data preparation and bit flipping go to CPU partitions, and the cheap rules
(tables, figures, the report) are localrules that run on the submitting machine."""
import importlib.util
import json
import re
import subprocess
import sys

import pytest
from rel_helpers import env, snakemake

pytestmark = pytest.mark.skipif(importlib.util.find_spec("snakemake_executor_plugin_slurm") is None,
                                reason="snakemake-executor-plugin-slurm is not installed (pip install -e '.[slurm]')")
TRAINING = {"continual_run", "cloning_run"}
CHEAP = {"synthetic_data", "theory_table", "figure_table", "render_figure", "paper_checks"}
# The workflow's localrules as Snakemake itself holds them (a dry run does not print local-or-not).
LOCALRULES = """
import json, sys
from pathlib import Path
from snakemake.api import SnakemakeApi
from snakemake.settings.types import ConfigSettings, OutputSettings, ResourceSettings, StorageSettings, WorkflowSettings
with SnakemakeApi(OutputSettings()) as api:
    w = api.workflow(resource_settings=ResourceSettings(), config_settings=ConfigSettings(config={"preset": "paper"}),
                     storage_settings=StorageSettings(), workflow_settings=WorkflowSettings(),
                     snakefile=Path("Snakefile"), workdir=Path("."))
    print("LOCALRULES " + json.dumps(sorted(w._workflow._localrules)))
"""


def _jobs(plan: str):
    """(rule, resources dict) of every job block of a dry run."""
    for block in re.split(r"\n(?=rule \w+:)", plan):
        m = re.match(r"rule (\w+):", block)
        res = re.search(r"^\s+resources: (.*)$", block, re.M)
        if m and res:
            yield m.group(1), dict(kv.split("=", 1) for kv in res.group(1).split(", "))


def test_slurm_dry_run_at_the_paper_preset(checkout):
    p = snakemake(checkout, "--workflow-profile", "workflow/profiles/slurm", "-n", "--config", "preset=paper",
                  "--", "all")
    jobs = list(_jobs(p.stdout))
    rules = {r for r, _ in jobs}
    assert TRAINING <= rules and {"tinyimagenet_data", "cifar10_data", "bitflip_seed"} <= rules
    out = subprocess.run([sys.executable, "-c", LOCALRULES], cwd=checkout, env=env(checkout),
                                       capture_output=True, text=True, check=True).stdout
    local = set(json.loads(out.split("LOCALRULES ", 1)[1]))
    assert CHEAP <= local and not local & (TRAINING | {"tinyimagenet_data", "cifar10_data", "bitflip_seed"})
    for rule, res in jobs:
        if rule in TRAINING:
            assert res.get("gpu") == "1" and res.get("slurm_partition") == "gpu", (rule, res)
        elif rule not in local and rule != "all":
            assert res.get("slurm_partition") == "cpu" and "gpu" not in res, (rule, res)
