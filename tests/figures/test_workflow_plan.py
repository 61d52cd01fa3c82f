"""Snakemake plans (dry runs, nothing executed): at the paper preset the six continual-learning figures (3.2, 4.1, B.3-B.6) plan
the grid 4 archs x 8 variants x 5 seeds once; at the small preset a figure schedules only its runs.
Runtime: ~10 s (two DAG builds)."""
from __future__ import annotations

import os
import subprocess
import sys

from cl_figure_helpers import REPO, figure_variants

from lop.config import resolve_config

FIGS = ["fig3_2", "fig4_1", "figB_3", "figB_4", "figB_5", "figB_6"]


def planned_jobs(*args) -> tuple[dict, str]:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-m", "snakemake", "-n", *args], cwd=REPO, capture_output=True,
                          text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    stats = proc.stdout.split("Job stats:")[1].split("total")[0]
    counts = {ln.split()[0]: int(ln.split()[1]) for ln in stats.splitlines()
              if len(ln.split()) == 2 and ln.split()[1].isdigit()}
    return counts, proc.stdout


def test_paper_plan_is_the_full_grid_once():
    cc = resolve_config(preset="paper")["continual"]
    counts, out = planned_jobs("--config", "preset=paper", "--", *[f"figures/paper/{f}.pdf" for f in FIGS])
    variants = {v for f in FIGS for v in figure_variants(cc["dropout"])[f]}  # the registry, lop.figures
    assert len(variants) == 8
    assert counts["continual_run"] == len(cc["archs"]) * len(variants) * len(cc["seeds"]) == 160
    assert counts["figure_table"] == counts["render_figure"] == len(FIGS)
    # every (arch, variant, seed) run appears exactly once in the plan
    outputs = [ln.split("output: ")[1].split(",")[0] for ln in out.splitlines()
               if "output: results/paper/continual/" in ln]
    assert len(outputs) == len(set(outputs)) == 160


def test_small_plan_schedules_only_the_figures_runs():
    cc = resolve_config(preset="small")["continual"]
    counts, out = planned_jobs("-F", "figures/small/fig4_1.pdf", "--config", "preset=small")
    assert cc["job_group"] in ("run", "cell"), "this count assumes one job per run or per (arch, variant) cell"
    per_job = len(cc["seeds"]) if cc["job_group"] == "cell" else 1
    assert counts["continual_run"] == len(cc["archs"]) * 5 * len(cc["seeds"]) // per_job
    assert "_drop" not in out  # B.3's dropout runs are not needed for 4.1
