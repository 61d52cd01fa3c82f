"""lop.tools.power (seeds needed for a one-sided t-test) and the counting half of benchmarks.bench_tiers."""
import numpy as np
import pandas as pd
import pytest

from benchmarks.bench_tiers import continual_plan, probe_count
from lop.config import resolve_config
from lop.train.continual import Variant, run_continual
from lop.tools.power import power, seeds_needed, table_changes
from tiny_continual import data_dir, tiny_cfg  # noqa: F401 - the shared synthetic-data fixture


def test_power_matches_a_monte_carlo_of_the_t_test():
    from scipy import stats

    rng = np.random.default_rng(0)
    delta, n = 0.9, 8
    d = rng.normal(delta, 1.0, size=(20000, n))
    hits = stats.ttest_1samp(d, 0.0, axis=1, alternative="greater").pvalue < 0.05
    assert power(delta, n) == pytest.approx(hits.mean(), abs=0.015)


def test_seeds_needed_is_the_smallest_n_with_80_percent_power():
    for delta in (0.5, 1.0, 2.0):
        n = seeds_needed(delta)
        assert power(delta, n) >= 0.8 > power(delta, n - 1)
    assert seeds_needed(1.0) == 8 and seeds_needed(0.0) is None


def test_table_changes_read_planted_per_seed_drops(tmp_path):
    steps = np.arange(0, 100, 10)
    drops = np.array([0.30, 0.25, 0.35, 0.28, 0.32])
    rows = []
    for s in steps:
        row = {"arch": "mlp", "variant": "none", "role": "accuracy", "layer": "online", "metric": "accuracy",
               "step": s}
        row.update({f"seed{i}": 0.9 - drops[i] * (s >= 70) for i in range(5)})
        rows.append(row)
    path = tmp_path / "fig.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    r = table_changes(path).iloc[0]
    assert r["change"] == pytest.approx(-drops.mean()) and r["sd"] == pytest.approx(drops.std(ddof=1))
    assert r["p_fall"] < 1e-4 < 0.999 < r["p_rise"] and r["n"] == 5


def test_probe_count_is_the_training_loops_cadence(data_dir, tmp_path):  # noqa: F811
    cfg = tiny_cfg()  # 3 tasks x 12 steps, probe every 5: after 5,10,15,...,35 and the task ends 12,24,36
    cc = cfg["continual"]
    run_continual(cfg, arch="mlp", variant=Variant("none", True, 0.0), seed=0, data_dir=data_dir,
                  out_dir=tmp_path, progress=False)
    t = pd.read_parquet(tmp_path / "metrics.parquet")
    probed = t[t.layer == "mean"].step.nunique()
    assert probed == probe_count(cc["num_tasks"], cc["steps_per_task"], cc["probe"]["every"]) == 10


def test_tier_plan_is_the_figures_grid():
    cfg = resolve_config(preset="decisive")
    cells = continual_plan(cfg)
    assert len(cells) == len(set(cells)) == 4 * 8 and ("vit", "layer-affine_drop0.1") in cells
