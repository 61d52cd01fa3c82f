"""The paper-grid projection counts Snakemake's own plan and prices each run from measured rates."""
import pytest

from lop.config import resolve_config
from lop.projection import planned_jobs, project


def test_projection_of_fig3_1_plan():
    jobs = planned_jobs(["figures/fig3_1.pdf"])
    runs = [w for r, w in jobs if r == "continual_run"]
    assert len(runs) == 20 and {w["arch"] for w in runs} == {"mlp", "cnn", "resnet", "vit"}
    rates = {"continual": {a: {"steps_per_s": 10.0, "probe_s": 0.5, "floor_steps_per_s": 100.0}
                           for a in ("mlp", "cnn", "resnet", "vit")}}
    res = project(rates, jobs, resolve_config(preset="paper"))
    steps, probes = 40 * 500, 40 * 500 / 25 + 40
    per_run_h = (steps / 10.0 + probes * 0.5) / 3600
    assert sum(res["hours"].values()) == pytest.approx(20 * per_run_h)
    assert sum(res["floor"].values()) == pytest.approx(20 * steps / 100.0 / 3600)
