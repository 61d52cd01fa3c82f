"""The `extensions` target through the real Snakemake: its plan, that `all` does not include it, and one
seconds-long run end to end in a private copy of the checkout."""
import pandas as pd
import pytest
from checkout_copy import copy_checkout
from checkout_copy import snakemake as _run

TINY = """
preset: small
extensions: {archs: [mlp], seeds: [0], num_tasks: 2, steps_per_task: 10}
continual:
  methods: [none, redo]
  probe: {size: 20, every: 5, selection: balanced, max_rank_rows: 1024}
  method_params: {redo: {tau: 0.5, every: 5}}
"""


def snakemake(cwd, *args) -> str:
    p = _run(cwd, *args)
    return p.stdout + p.stderr


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    return copy_checkout(tmp_path_factory.mktemp("ext_checkout"), files={"tiny.yaml": TINY})


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
