"""A real Snakemake run of the small preset in a private copy of the checkout (nothing is mocked).

The copy holds the files git would see (tracked and untracked-not-ignored), so results/ of the
developer's checkout are neither read nor touched. One session-wide run serves all pipeline tests.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]

# The targets the pipeline tests inspect (kept in one run so that shared jobs are built once).
TARGETS = ["all"]  # the 18 figures and the paper_checks report (workflow/rules/checks.smk)
# The CI tier, named explicitly: the default preset is the heavier `cpu` tier (config.yaml).
CI_TIER = ["--config", "preset=small"]  # after the targets: --config swallows the words that follow it


def copy_checkout(dest: Path) -> Path:
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=REPO,
                           capture_output=True, check=True).stdout.decode().split("\0")
    for f in filter(None, files):
        src = REPO / f
        if src.is_file():
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / f)
    return dest


def snakemake(cwd, *args, check=True):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(cwd)}
    proc = subprocess.run([*SNAKEMAKE, *args], cwd=cwd, capture_output=True, text=True, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}")
    return proc


@pytest.fixture(scope="session")
def small_run(tmp_path_factory):
    """The checkout copy after `snakemake -c2 <TARGETS> --config preset=small` (the CI tier)."""
    root = copy_checkout(tmp_path_factory.mktemp("checkout"))
    snakemake(root, "-c2", *TARGETS, *CI_TIER)
    return root
