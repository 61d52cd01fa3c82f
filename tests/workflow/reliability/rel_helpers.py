"""Helpers of the reliability tests: real `snakemake` runs in a private copy of the checkout (the
developer's results/ are neither read nor touched), with tiny configs so that each run takes seconds."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]
# The synthetic dataset of the small preset (lop.data.synthetic; data.synthetic in config.yaml).
SYNTHETIC = "results/data/synthetic/16px-50c-300n-seed0"


def copy_checkout(dest: Path) -> Path:
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=REPO,
                           capture_output=True, check=True).stdout.decode().split("\0")
    for f in filter(None, files):
        if (REPO / f).is_file():
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / f, dest / f)
    # These tests run at the CI tier (`small`), whatever config.yaml's default preset is.
    cfg = dest / "config.yaml"
    cfg.write_text(re.sub(r"^preset: \S+$", "preset: small", cfg.read_text(), count=1, flags=re.M))
    return dest


def env(cwd) -> dict:
    return {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(cwd)}


def snakemake(cwd, *args, check=True, **kw):
    p = subprocess.run([*SNAKEMAKE, *args], cwd=cwd, capture_output=True, text=True, env=env(cwd), **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{p.stdout[-3000:]}\n{p.stderr[-6000:]}")
    return p
