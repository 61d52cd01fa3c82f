"""The counting half of benchmarks.bench_tiers (lop.tools.power: tests/tools/test_power.py)."""
import pandas as pd

from benchmarks.bench_tiers import continual_plan, probe_count
from lop.config import resolve_config
from lop.train.continual import Variant, run_continual
from tiny_continual import data, data_dir, tiny_cfg  # noqa: F401 - the shared synthetic-data fixtures


def test_probe_count_is_the_training_loops_cadence(data, tmp_path):  # noqa: F811
    cfg = tiny_cfg()  # 3 tasks x 12 steps, probe every 5: after 5,10,15,...,35 and the task ends 12,24,36
    cc = cfg["continual"]
    run_continual(cfg, arch="mlp", variant=Variant("none", True, 0.0), seed=0, data=data,
                  out_dir=tmp_path, progress=False)
    t = pd.read_parquet(tmp_path / "metrics.parquet")
    probed = t[t.layer == "mean"].step.nunique()
    assert probed == probe_count(cc["num_tasks"], cc["steps_per_task"], cc["probe"]["every"]) == 10


def test_tier_plan_is_the_figures_grid():
    cfg = resolve_config(preset="decisive")
    cells = continual_plan(cfg)
    assert len(cells) == len(set(cells)) == 4 * 8 and ("vit", "layer-affine_drop0.1") in cells
