"""Figure tables of the continual-learning family at the small preset, from synthetic runs in the real
format (tests/figures/conftest.py): expected variants, layers, seeds and metric windows.
Runtime: ~5 s (most of it building the 64 synthetic runs once)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lop.variants.continual import Variant
from lop.figtables.continual import SYMPTOM, SYMPTOM_SAT, quarters

from cl_figure_helpers import build, figure_variants, paths_for, synthetic_value

CURVE_FIGS = ["fig3_1", "fig3_2", "fig4_1", "figB_5", "figB_6"]
ALL_FIGS = CURVE_FIGS + ["figB_3", "figB_4"]


def test_figure_variants_cover_the_grid_once():
    fv = figure_variants(0.1)
    for fig, variants in fv.items():
        assert len(variants) == len(set(variants)), fig
        for v in variants:
            assert Variant.parse(v).name == v  # every name round-trips through the run rule's parser
    cells = {(Variant.parse(v).norm, Variant.parse(v).affine) for v in fv["fig4_1"]}
    assert cells == {("none", True), ("batch", False), ("batch", True), ("layer", False), ("layer", True)}
    b3 = {(Variant.parse(v).norm, Variant.parse(v).dropout) for v in fv["figB_3"]}
    assert b3 == {(n, p) for n in ("none", "batch", "layer") for p in (0.0, 0.1)}
    assert all(Variant.parse(v).affine for v in fv["figB_3"])  # B.3 uses the default (affine) norms
    assert {v for vs in fv.values() for v in vs} == {
        "none", "batch", "batch-affine", "layer", "layer-affine",
        "none_drop0.1", "batch-affine_drop0.1", "layer-affine_drop0.1"}
    assert figure_variants(0.2)["figB_3"][-1] == "layer-affine_drop0.2"


@pytest.mark.parametrize("fig", ALL_FIGS)
def test_table_has_expected_archs_variants_seeds(fig, small_runs, small_cfg):
    runs, _ = small_runs
    cc = small_cfg["continual"]
    t = build(fig, paths_for(runs, small_cfg, fig), small_cfg["continual"]["figure"]["window_steps"])
    assert set(t["arch"]) == set(cc["archs"])
    for arch in cc["archs"]:
        assert set(t.loc[t.arch == arch, "variant"]) == set(figure_variants(cc["dropout"])[fig]), arch
    assert (t["n_seeds"] == len(cc["seeds"])).all()
    if fig != "figB_4":
        assert {f"seed{s}" for s in cc["seeds"]} <= set(t.columns)
        assert np.allclose(t["mean"], t[[f"seed{s}" for s in cc["seeds"]]].mean(axis=1))
        assert np.allclose(t["std"], t[[f"seed{s}" for s in cc["seeds"]]].std(axis=1, ddof=1))
    else:  # the scatter's three plotted columns, each with every seed's own value
        for col in ("frozen_fraction", "duplicate_fraction", "accuracy"):
            cols = [f"{col}_seed{s}" for s in cc["seeds"]]
            assert set(cols) <= set(t.columns)
            assert np.allclose(t[col], t[cols].mean(axis=1))
    assert not t.isna().any().any()


@pytest.mark.parametrize("fig", CURVE_FIGS)
def test_curve_windows_are_as_configured(fig, small_runs, small_cfg):
    runs, _ = small_runs
    cc = small_cfg["continual"]
    window = small_cfg["continual"]["figure"]["window_steps"]
    total = cc["num_tasks"] * cc["steps_per_task"]
    t = build(fig, paths_for(runs, small_cfg, fig), window)
    expected_steps = list(range(window, total + 1, window)) + ([total] if total % window else [])
    for _, g in t.groupby(["arch", "variant", "role", "layer", "metric"]):
        assert sorted(g["step"]) == expected_steps
    # One window recomputed from the synthetic series: the mean of the probe steps in (step-window, step].
    row = t.iloc[len(t) // 2]
    every = cc["probe"]["every"]
    s = np.arange(row.step - window + 1, row.step + 1)
    if row.layer != "online":
        s = s[(s % every == 0) | (s % cc["steps_per_task"] == 0)]
    want = synthetic_value(row.arch, row.variant, cc["seeds"][0], row.layer, row.metric, s).mean()
    assert row[f"seed{cc['seeds'][0]}"] == pytest.approx(want, rel=1e-12)


def test_window_change_changes_the_bins(small_runs, small_cfg):
    runs, _ = small_runs
    paths = paths_for(runs, small_cfg, "fig3_2")
    cc = small_cfg["continual"]
    total = cc["num_tasks"] * cc["steps_per_task"]
    a = build("fig3_2", paths, 40)
    b = build("fig3_2", paths, 80)
    assert total % 80 == 0  # the comparison below assumes whole windows
    assert set(b["step"]) == set(range(80, total + 1, 80)) and len(a) == 2 * len(b)


def test_roles_and_symptoms(small_runs, small_cfg):
    runs, _ = small_runs
    w = small_cfg["continual"]["figure"]["window_steps"]
    t31 = build("fig3_1", paths_for(runs, small_cfg, "fig3_1"), w)
    t32 = build("fig3_2", paths_for(runs, small_cfg, "fig3_2"), w)
    t41 = build("fig4_1", paths_for(runs, small_cfg, "fig4_1"), w)
    for arch, metric in SYMPTOM.items():
        assert set(t32.loc[(t32.arch == arch) & (t32.role == "symptom"), "metric"]) == {metric}
        assert set(t31.loc[(t31.arch == arch) & (t31.role == "symptom"), "metric"]) == {metric}
    assert set(t32.loc[t32.role == "rank", "metric"]) == {"effective_rank"}
    assert set(t32.loc[t32.role == "rank", "layer"]) == {"mean"}
    assert set(t41["role"]) == {"rank"} and set(t41["metric"]) == {"effective_rank"}


@pytest.mark.parametrize("fig,metric_of", [("figB_5", {a: "duplicate_fraction" for a in SYMPTOM}),
                                           ("figB_6", SYMPTOM_SAT)])
def test_per_layer_tables_have_every_probed_layer_in_order(fig, metric_of, small_runs, small_cfg):
    runs, layers = small_runs
    t = build(fig, paths_for(runs, small_cfg, fig), small_cfg["continual"]["figure"]["window_steps"])
    for arch, names in layers.items():
        d = t[t.arch == arch]
        assert set(d["metric"]) == {metric_of[arch]}
        order = d[["layer_index", "layer"]].drop_duplicates().sort_values("layer_index")["layer"].tolist()
        assert order == names  # probe order, not alphabetical; no "online" / "mean"
    n_blocks = sum(small_cfg["models"]["resnet"]["blocks"])
    assert len(layers["resnet"]) == n_blocks and layers["mlp"] == [f"fc{i}" for i in range(1, 6)]


def test_figB_3_bars_are_run_means(small_runs, small_cfg):
    runs, _ = small_runs
    cc = small_cfg["continual"]
    t = build("figB_3", paths_for(runs, small_cfg, "figB_3"), small_cfg["continual"]["figure"]["window_steps"])
    assert set(t["role"]) == {"symptom", "duplicate", "accuracy"}
    assert set(zip(t["norm"], t["dropout"])) == {(n, p) for n in ("none", "batch", "layer") for p in (0.0, cc["dropout"])}
    assert set(t.loc[(t.arch == "vit") & (t.role == "symptom"), "metric"]) == {"saturated_fraction"}
    assert set(t.loc[(t.arch == "mlp") & (t.role == "symptom"), "metric"]) == {"dead_fraction"}
    # accuracy bar of one seed = mean over all training steps of that run
    row = t[(t.arch == "cnn") & (t.variant == "layer-affine_drop0.1") & (t.role == "accuracy")].iloc[0]
    steps = np.arange(1, cc["num_tasks"] * cc["steps_per_task"] + 1)
    want = synthetic_value("cnn", "layer-affine_drop0.1", 1, "online", "accuracy", steps).mean()
    assert row["seed1"] == pytest.approx(want, rel=1e-12)


def test_figB_4_points(small_runs, small_cfg):
    runs, _ = small_runs
    t = build("figB_4", paths_for(runs, small_cfg, "figB_4"), small_cfg["continual"]["figure"]["window_steps"])
    assert set(t.loc[t.arch == "vit", "frozen_metric"]) == {"saturated_fraction"}
    assert set(t.loc[t.arch == "cnn", "frozen_metric"]) == {"dead_fraction"}
    cc, window = small_cfg["continual"], small_cfg["continual"]["figure"]["window_steps"]
    r = t[(t.arch == "mlp")].iloc[3]
    s = np.arange(r.step - window + 1, r.step + 1)
    s = s[(s % cc["probe"]["every"] == 0) | (s % cc["steps_per_task"] == 0)]
    want = np.mean([synthetic_value("mlp", "none", k, "mean", "duplicate_fraction", s).mean() for k in cc["seeds"]])
    assert r["duplicate_fraction"] == pytest.approx(want, rel=1e-12)


def test_quarters():
    # steps 10..90: quarter span 20 -> first = steps 10..30, last = steps 70..90
    tbl = pd.DataFrame({"arch": "a", "step": [10, 20, 30, 40, 50, 60, 70, 80, 90],
                        "mean": [1, 2, 3, 9, 9, 9, 5, 6, 7.0]})
    q = quarters(tbl, ["arch"])
    assert q.loc[0, "first"] == 2 and q.loc[0, "last"] == 6 and q.loc[0, "change"] == 4


def test_unknown_figure_and_empty_input(small_runs):
    with pytest.raises(ValueError, match="no figure 'fig9_9' in the registry"):
        build("fig9_9", [], 40)
    with pytest.raises(ValueError, match="no runs"):
        build("fig3_2", [], 40)
