"""The `extensions` target through the real Snakemake: its plan, that `all` does not include it, and one
seconds-long run end to end in a private copy of the checkout."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
TINY = """
preset: small
extensions: {archs: [mlp], seeds: [0], num_tasks: 2, steps_per_task: 10}
continual:
  methods: [none, redo]
  probe: {size: 20, every: 5, selection: balanced, max_rank_rows: 1024}
  method_params: {redo: {tau: 0.5, every: 5}}
"""


def snakemake(cwd, *args):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(cwd)}
    p = subprocess.run([sys.executable, "-m", "snakemake", *args], cwd=cwd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{p.stdout[-3000:]}\n{p.stderr[-6000:]}")
    return p.stdout + p.stderr


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    dest = tmp_path_factory.mktemp("ext_checkout")
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=REPO,
                           capture_output=True, check=True).stdout.decode().split("\0")
    for f in filter(None, files):
        if (REPO / f).is_file():
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / f, dest / f)
    (dest / "tiny.yaml").write_text(TINY)
    return dest


def job_counts(out: str) -> dict:
    counts, table = {}, False
    for line in out.splitlines():
        parts = line.split()
        if parts[:2] == ["job", "count"]:
            table = True
        elif table and len(parts) == 2 and parts[1].isdigit():
            counts[parts[0]] = int(parts[1])
    return counts


def test_plan_is_methods_times_archs_and_not_part_of_all(checkout):
    out = snakemake(checkout, "-n", "--", "extensions")
    c = job_counts(out)
    assert "16px-100c-" in out  # 20 tasks x 5 classes: the grid's own synthetic set has 100 classes
    assert c["extension_run"] == 6 * 4  # the default continual.methods x extensions.archs, seeds inside a job
    assert c["extension_tables"] == c["extension_figure"] == 1
    assert not {"extension_run", "extensions"} & set(job_counts(snakemake(checkout, "-n", "--", "all")))


def test_tiny_grid_end_to_end(checkout):
    snakemake(checkout, "-c2", "--configfile", "tiny.yaml", "--", "extensions")
    eff = pd.read_csv(checkout / "results/small/extensions/effects.csv")
    assert set(eff.method) == {"none", "redo"} and set(eff.symptom) == {"accuracy", "dead", "duplicate", "rank"}
    assert eff.change_verdict.str.startswith("underpowered").all()   # one seed: no verdicts
    curves = pd.read_csv(checkout / "results/small/extensions/ext_methods.csv")
    assert sorted(curves.task.unique()) == [0, 1]
    assert (checkout / "figures/small/ext_methods.pdf").read_bytes().startswith(b"%PDF")
    assert "## mlp" in (checkout / "results/small/extensions/extensions.md").read_text()
    runs = checkout / "results/small/extensions/runs/mlp"
    assert sorted(p.name for p in runs.iterdir()) == ["none", "redo"]
