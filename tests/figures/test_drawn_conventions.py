"""Behaviour tests behind two paper-vs-upstream findings (audit findings d4-std-bands, d5-affine-dotted), replacing string matches on
the source: what the figure code DRAWS is read back from the matplotlib artists.

- Bands: a figure table's `std` is the sample std (ddof = 1) over seeds of the raw per-seed values, and
  `lop.plots.band` fills exactly mean - std .. mean + std.
- A bounded quantity (a fraction) keeps its band inside [0, 1] and shows every seed's own curve, so
  seeds that split (two collapse, three do not) are seen as such rather than as a band below 0.
- Figure 4.1: the affine variants are drawn dotted, the non-affine ones solid (the v1 caption; upstream
  drew the opposite).
"""
import runpy
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from lop.figtables.runs import over_seeds  # noqa: E402
from lop.plots import FRACTION, band, bounds_of, seed_columns  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


def test_band_is_mean_plus_minus_sample_std_over_seeds():
    rng = np.random.default_rng(0)
    raw = rng.normal(size=(6, 3))  # 6 steps x 3 seeds
    tidy = pd.DataFrame([{"step": s, "seed": k, "value": raw[s, k]} for s in range(6) for k in range(3)])
    table = over_seeds(tidy, ["step"])
    sample_std = np.array([np.sqrt(((r - r.mean()) ** 2).sum() / (len(r) - 1)) for r in raw])  # ddof = 1 by hand
    np.testing.assert_allclose(table["std"].to_numpy(), sample_std, rtol=1e-12)
    np.testing.assert_allclose(table["mean"].to_numpy(), raw.mean(axis=1), rtol=1e-12)
    fig, ax = plt.subplots()
    band(ax, table["step"], table["mean"], table["std"])
    (poly,) = ax.collections
    verts = poly.get_paths()[0].vertices
    lo, hi = raw.mean(axis=1) - sample_std, raw.mean(axis=1) + sample_std
    for x in range(6):  # the filled region at each step spans exactly [mean - std, mean + std]
        ys = verts[np.isclose(verts[:, 0], x), 1]
        assert np.isclose(ys.min(), lo[x]) and np.isclose(ys.max(), hi[x]), (x, ys, lo[x], hi[x])
    plt.close(fig)



def test_a_fraction_whose_seeds_split_stays_in_range_and_shows_each_seed():
    raw = np.array([[0.0, 0.0, 0.0, 0.6, 0.7]] * 4)  # 4 steps x 5 seeds: two collapse, three do not
    tidy = pd.DataFrame([{"step": s, "seed": k, "value": raw[s, k]} for s in range(4) for k in range(5)])
    table = over_seeds(tidy, ["step"])
    assert (table["mean"] - table["std"]).min() < 0  # the plain band would leave the range
    fig, ax = plt.subplots()
    band(ax, table["step"], table["mean"], table["std"], bounds=FRACTION, seeds=seed_columns(table))
    (poly,) = ax.collections
    ys = poly.get_paths()[0].vertices[:, 1]
    assert ys.min() >= 0.0 and ys.max() <= 1.0
    assert len(ax.lines) == 1 + 5  # the mean and one thin line per seed
    assert bounds_of("duplicate_fraction") == FRACTION and bounds_of("r2_forward") == (None, 1.0)
    plt.close(fig)

def test_fig4_1_draws_affine_variants_dotted(tmp_path, monkeypatch):
    rows = []
    for arch in ("mlp", "cnn", "resnet", "vit"):
        for variant in ("none", "batch", "batch-affine", "layer", "layer-affine"):
            for step in (25, 50):
                rows.append({"arch": arch, "variant": variant, "role": "rank", "layer": "mean",
                             "metric": "effective_rank", "step": step, "mean": 1.0, "std": 0.1, "n_seeds": 2})
    table = tmp_path / "fig4_1.csv"
    pd.DataFrame(rows).to_csv(table, index=False)
    monkeypatch.setattr(sys, "argv", ["fig4_1.py", "--table", str(table), "--out", str(tmp_path / "f.pdf")])
    g = runpy.run_path(str(REPO / "workflow/figures/fig4_1.py"))
    assert (tmp_path / "f.pdf").exists()
    for ax in g["axes"][0]:
        styles = [line.get_linestyle() for line in ax.get_lines()]  # drawn in VARIANTS order
        assert dict(zip(g["VARIANTS"], styles)) == {"none": "-", "batch": "-", "batch-affine": ":",
                                                    "layer": "-", "layer-affine": ":"}
