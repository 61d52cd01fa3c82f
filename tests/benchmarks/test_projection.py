"""The paper-grid projection prices the registry's run list (the one the Snakefile schedules) from rates."""
import pytest

from lop.config import resolve_config
from benchmarks.projection import planned_runs, project


def test_projection_of_fig3_1_plan():
    cfg = resolve_config(preset="paper")
    runs = planned_runs(["fig3_1"], cfg)
    assert len(runs) == 20 and {a for _, a in runs} == {"mlp", "cnn", "resnet", "vit"}
    rates = {"continual": {a: {"steps_per_s": 10.0, "probe_s": 0.5, "floor_steps_per_s": 100.0}
                           for a in ("mlp", "cnn", "resnet", "vit")}}
    res = project(rates, runs, cfg)
    steps, probes = 40 * 500, 40 * 500 / 25 + 40
    per_run_h = (steps / 10.0 + probes * 0.5) / 3600
    assert sum(res["hours"].values()) == pytest.approx(20 * per_run_h)
    assert sum(res["floor"].values()) == pytest.approx(20 * steps / 100.0 / 3600)


def test_runs_shared_by_figures_are_priced_once():
    cfg = resolve_config(preset="paper")
    one = planned_runs(["fig3_1"], cfg)
    assert planned_runs(["fig3_1", "fig3_2", "figB_4"], cfg) == one  # all read the `none` runs
    fig2_1 = planned_runs(["fig2_1"], cfg)
    assert len(fig2_1) == 3 * 5 and {f for f, _ in fig2_1} == {"cloning"}  # sgd, noisy, dropout x 5 seeds
