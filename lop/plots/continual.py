"""Panels shared by the continual-learning figures, drawn from their figure tables only."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from . import ARCH_TITLES, FigureDataError, band, bounds_of, require


def per_layer_figure(df: pd.DataFrame, fig_name: str, metric_of: dict):
    """Figures B.5 / B.6: per arch, one curve per probed layer (lighter = closer to the input), mean over
    seeds with a +-1 std band. `metric_of[arch]` is the one metric the table must hold for that arch."""
    require(df, "arch", list(metric_of))
    require(df, "variant", ["none"])
    require(df, "role", ["layer"])
    archs = [a for a in ARCH_TITLES if a in set(df["arch"])]
    df = df[df["variant"] == "none"]
    for arch in archs:
        got = set(df.loc[df["arch"] == arch, "metric"])
        if got != {metric_of[arch]}:
            raise FigureDataError(f"{fig_name}: {arch} should show {metric_of[arch]} only; table has {sorted(got)}")
        if df.loc[df["arch"] == arch, "layer"].nunique() < 2:
            raise FigureDataError(f"{fig_name}: {arch} has fewer than 2 probed layers in the table")
    fig, axes = plt.subplots(1, len(archs), figsize=(3.2 * len(archs), 2.8), squeeze=False)
    cmap = plt.get_cmap("viridis_r")
    for ax, arch in zip(axes[0], archs):
        d = df[df["arch"] == arch]
        layers = d[["layer_index", "layer"]].drop_duplicates().sort_values("layer_index")["layer"].tolist()
        for k, layer in enumerate(layers):
            c = d[d["layer"] == layer].sort_values("step")
            band(ax, c["step"], c["mean"], c["std"], label=layer,
                 color=cmap(0.15 + 0.8 * k / max(1, len(layers) - 1)), alpha=0.1, bounds=bounds_of(metric_of[arch]))
        ax.set_title(ARCH_TITLES[arch])
        ax.set_xlabel("step")
        ax.set_ylabel(metric_of[arch].replace("_", " "))
        ax.legend(frameon=False, fontsize=6, ncol=2 if len(layers) > 5 else 1)
    return fig
