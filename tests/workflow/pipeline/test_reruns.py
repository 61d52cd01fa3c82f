"""Snakemake reruns exactly what a change affects: real builds and real dry runs in a private checkout copy.

After `snakemake -c2 figures/fig3_1.pdf figures/fig2_1.pdf` (a tiny config: 1 seed, a few steps), each
change below is made in the copy and the dry-run plan is read back: which rules, for which wildcards.
The params of every job are the config values its code reads, and its code hash covers every repo
module its script imports (lop.provenance.code_hash), so each change plans only the jobs it affects.
Cost: one tiny build (12 jobs) and seven dry runs; 16 min measured on 2 cores shared by six sessions (load ~11).
"""
import re

import pytest
import yaml

from conftest import copy_checkout, snakemake

TARGETS = ["figures/fig3_1.pdf", "figures/fig2_1.pdf"]
TINY = {
    "data": {"synthetic": {"num_classes": 10, "train_per_class": 40, "test_per_class": 10}},
    "continual": {"seeds": [0], "num_tasks": 2, "steps_per_task": 20,
                  "probe": {"size": 40, "every": 10, "selection": "balanced", "max_rank_rows": 1024},
                  "figure": {"window_steps": 10}},
    "cloning": {"seeds": [0], "stage1_steps": 10, "stage2_steps": 10, "log_every": 5, "eval_size": 50,
                "probe": {"size": 32, "max_rank_rows": 1024}},
}


def plan(root, *extra) -> list[tuple[str, dict]]:
    """[(rule, wildcards)] of `snakemake -n` for TARGETS with the tiny config (+ extra config files)."""
    files = ["tiny.yaml", *extra]
    out = snakemake(root, "-n", "--configfile", *files, "--", *TARGETS).stdout
    jobs = []
    for line in out.splitlines():
        m = re.match(r"^(?:local)?rule (\w+):", line.strip())
        if m:
            jobs.append((m.group(1), {}))
        elif line.strip().startswith("wildcards:") and jobs:
            jobs[-1] = (jobs[-1][0], dict(kv.split("=", 1) for kv in line.split(":", 1)[1].strip().split(", ")))
    return jobs


def rules(jobs):
    return {r for r, _ in jobs}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = copy_checkout(tmp_path_factory.mktemp("reruns"))
    (root / "tiny.yaml").write_text(yaml.safe_dump(TINY))
    snakemake(root, "-c2", "--configfile", "tiny.yaml", "--", *TARGETS)
    return root


def append(root, rel, text="\n# a comment\n"):
    p = root / rel
    old = p.read_text()
    p.write_text(old + text)
    return lambda: p.write_text(old)


def test_nothing_to_do_after_a_build(built):
    assert plan(built) == []


def test_one_arch_lr_plans_only_that_archs_runs(built):
    (built / "mlp_lr.yaml").write_text(yaml.safe_dump({"continual": {"lr": {"mlp": 0.02}}}))
    jobs = plan(built, "mlp_lr.yaml")
    runs = [w for r, w in jobs if r.startswith("continual_run")]
    assert runs and {w["arch"] for w in runs} == {"mlp"}
    assert not any(r.startswith("cloning_run") for r, _ in jobs)
    assert {w.get("fig") for r, w in jobs if r in ("figure_table", "render_figure")} == {"fig3_1"}


def test_cloning_lr_plans_only_fig2_1s_runs(built):
    (built / "clo_lr.yaml").write_text(yaml.safe_dump({"cloning": {"lr": 0.04}}))
    jobs = plan(built, "clo_lr.yaml")
    runs = [w for r, w in jobs if r.startswith("cloning_run")]
    assert {(w["arch"], w["variant"]) for w in runs} == {("mlp", "sgd"), ("mlp", "noisy-s0.01-l0.999"),
                                                          ("mlp", "dropout-p0.1")}
    assert not any(r.startswith("continual_run") for r, _ in jobs)
    assert {w.get("fig") for r, w in jobs if r in ("figure_table", "render_figure")} == {"fig2_1"}


@pytest.mark.parametrize("module, figs", [("lop/plots/cloning.py", {"fig2_1"}),
                                          ("lop/plots/__init__.py", {"fig2_1", "fig3_1"})])
def test_a_plotting_module_replans_only_its_renders(built, module, figs):
    undo = append(built, module)
    try:
        jobs = plan(built)
    finally:
        undo()
    assert rules(jobs) == {"render_figure"} and {w["fig"] for _, w in jobs} == figs


def test_metrics_module_replans_continual_and_cloning_runs(built):
    undo = append(built, "lop/metrics.py")
    try:
        jobs = plan(built)
    finally:
        undo()
    assert {r for r in rules(jobs) if r.endswith("_run") or "_run_" in r} == {"continual_run", "cloning_run"}
    assert len([r for r, _ in jobs if r == "continual_run"]) == 4  # every arch's `none` cell


def test_theory_module_replans_nothing(built):
    undo = append(built, "lop/theory/kernels.py")
    try:
        assert plan(built) == []
    finally:
        undo()
