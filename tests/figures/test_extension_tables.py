"""The extension tables from runs written in the real run format (metrics.parquet + run.json) with known
per-task values: effects, intervals and verdicts by hand."""
import json
import math

import pandas as pd
import pytest
from scipy import stats

from lop.figtables import extensions as ext

N_TASKS = 4  # quarters of one task each


def write_run(root, arch, method, seed, acc_per_task):
    d = root / arch / method / f"seed{seed}"
    d.mkdir(parents=True)
    rows = []
    for t, a in enumerate(acc_per_task):
        for k in range(2):  # two online steps and one probe row per task
            rows.append((t * 2 + k + 1, t, "online", "accuracy", a))
        rows += [(t * 2 + 2, t, "mean", m, v) for m, v in
                 (("dead_fraction", 0.1 * t), ("duplicate_fraction", 0.0), ("effective_rank", 10.0 - t))]
    pd.DataFrame(rows, columns=["step", "task", "layer", "metric", "value"]).to_parquet(d / "metrics.parquet")
    (d / "run.json").write_text(json.dumps({"arch": arch, "variant": "none", "seed": seed, "method": method}))
    return d / "metrics.parquet"


@pytest.fixture
def grid(tmp_path):
    paths = []
    for s in range(5):
        paths.append(write_run(tmp_path, "mlp", "none", s, [0.8, 0.7, 0.6, 0.8 - 0.1 * (s + 1)]))  # falls by 0.1(s+1)
        paths.append(write_run(tmp_path, "mlp", "redo", s, [0.8, 0.8, 0.8, 0.8]))                  # keeps it
    return ext.load_grid(paths)


def t_interval(xs):
    m, sd = sum(xs) / len(xs), stats.tstd(xs)
    half = stats.t.ppf(0.975, len(xs) - 1) * sd / math.sqrt(len(xs))
    return m, m - half, m + half


def test_effects_by_hand(grid):
    e = ext.effects(grid).set_index(["method", "symptom"])
    changes = [-0.1 * (s + 1) for s in range(5)]
    m, lo, hi = t_interval(changes)                    # -0.3 [-0.496, -0.104]
    r = e.loc[("none", "accuracy")]
    assert (r.change, r.change_lo, r.change_hi) == pytest.approx((m, lo, hi), abs=1e-12)
    assert r.change_verdict == "falls" and r.vs_none_verdict == "baseline" and r.n_seeds == 5
    r = e.loc[("redo", "accuracy")]
    assert r.change == pytest.approx(0, abs=1e-12) and r.change_verdict == "no clear change"
    assert (r.vs_none, r.vs_none_lo, r.vs_none_hi) == pytest.approx(t_interval([-c for c in changes]), abs=1e-12)
    assert r.vs_none_verdict == "higher"
    # the symptoms: dead 0 -> 0.3 and rank 10 -> 7 in every run, identical seeds: a zero-width interval
    assert e.loc[("redo", "dead")].change == pytest.approx(0.3) and e.loc[("redo", "dead")].change_verdict == "rises"
    assert e.loc[("none", "rank")].change == pytest.approx(-3.0) and e.loc[("none", "rank")].change_verdict == "falls"
    md = ext.markdown(ext.effects(grid), {"setting": "test"})
    assert "Accuracy did not fall (no significant decline) with: redo; it fell with: none." in md


def test_fewer_than_five_seeds_give_no_verdict(grid):
    e = ext.effects(grid[grid.seed < 2])
    assert e.change_verdict.str.startswith("underpowered").all()
    assert "no verdicts" in ext.markdown(e, {})


def test_curves_are_per_task_over_seeds(grid):
    c = ext.curves(grid)
    r = c[(c.method == "none") & (c.role == "accuracy") & (c.task == 3)].iloc[0]
    assert r["mean"] == pytest.approx(0.5) and r["n_seeds"] == 5 and r["seed4"] == pytest.approx(0.3)
    assert set(c.role) == set(ext.ROLES)
