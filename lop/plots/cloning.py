"""Panels shared by the cloning figures (2.1, B.7-B.14), drawn from their figure tables only.

Cloning R^2 is drawn as 1 - R^2 on a symlog axis: exact clones give 0 (bottom of the axis) and the
escape under Noisy SGD / dropout (1e-2 .. 1e-5 at small scale) stays visible; forward solid, backward
dashed. Losses: clone solid, base dotted. Effective rank: clone solid, base dotted.
"""
from __future__ import annotations

import pandas as pd

from . import band, bounds_of

LINTHRESH = 1e-8  # below this the 1 - R^2 axis is linear (float32 noise of an exact clone is ~1e-12)


def series(df: pd.DataFrame, variant: str, model: str, metric: str, arch: str | None = None) -> pd.DataFrame:
    d = df[(df["variant"] == variant) & (df["model"] == model) & (df["metric"] == metric)]
    if arch is not None:
        d = d[d["arch"] == arch]
    return d.sort_values("step")


def draw(ax, d: pd.DataFrame, label=None, color=None, linestyle="-"):
    if d.empty:
        return None
    return band(ax, d["step"].to_numpy(), d["mean"].to_numpy(), d["std"].to_numpy(), label=label, color=color,
                linestyle=linestyle, bounds=bounds_of(d["metric"].iloc[0]))


def escape_axis(ax):
    ax.set_yscale("symlog", linthresh=LINTHRESH)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("1 - cloning $R^2$")


def r2_panel(ax, df, variants, colors, arch=None):
    for v in variants:
        lab = df.loc[df["variant"] == v, "label"].iloc[0]
        draw(ax, series(df, v, "clone", "one_minus_r2_forward", arch), label=f"{lab}", color=colors[v])
        draw(ax, series(df, v, "clone", "one_minus_r2_backward", arch), color=colors[v], linestyle="--")
    escape_axis(ax)


def clone_base_panel(ax, df, variants, colors, metric, ylabel, arch=None):
    for v in variants:
        lab = df.loc[df["variant"] == v, "label"].iloc[0]
        draw(ax, series(df, v, "clone", metric, arch), label=lab, color=colors[v])
        draw(ax, series(df, v, "base", metric, arch), color=colors[v], linestyle=":")
    ax.set_ylabel(ylabel)


def three_panels(axes, df, variants, arch=None):
    """(1 - R^2, train loss, effective rank) of the given variants on three axes."""
    colors = {v: f"C{i}" for i, v in enumerate(variants)}
    r2_panel(axes[0], df, variants, colors, arch)
    clone_base_panel(axes[1], df, variants, colors, "train_loss", "train loss", arch)
    clone_base_panel(axes[2], df, variants, colors, "effective_rank", "effective rank", arch)
    for ax in axes:
        ax.set_xlabel("stage-2 step")


def style_note(fig):
    fig.text(0.01, -0.02, "1 - R^2: forward solid, backward dashed (symlog, 0 = exact clones); "
             "loss / rank: clone solid, base dotted; band = +-1 std over seeds", fontsize=6, color="0.3")


NOISE_NAMES = {"sigma0": "$\\sigma_0$", "decay": "$\\lambda$"}


def noise_grid_figure(df: pd.DataFrame, *, panel_key: str, line_key: str):
    """Figures B.8-B.11: one column per `panel_key` value (decay or sigma0), one line per `line_key` value.

    Top row: clone train loss (SGD clone as the grey dashed reference); bottom row: 1 - forward cloning R^2.
    """
    import matplotlib.pyplot as plt

    noisy = df[df["method"] == "noisy_sgd"]
    panels, lines = sorted(noisy[panel_key].unique()), sorted(noisy[line_key].unique())
    fig, axes = plt.subplots(2, len(panels), figsize=(3.3 * len(panels), 4.8), squeeze=False, sharex=True)
    for j, p in enumerate(panels):
        top, bottom = axes[0][j], axes[1][j]
        draw(top, series(df, "sgd", "clone", "train_loss"), label="SGD", color="0.5", linestyle="--")
        for i, v in enumerate(lines):
            sel = noisy[(noisy[panel_key] == p) & (noisy[line_key] == v)]
            if sel.empty:
                continue
            variant = sel["variant"].iloc[0]
            draw(top, series(df, variant, "clone", "train_loss"), label=f"{NOISE_NAMES[line_key]} = {v:g}", color=f"C{i}")
            draw(bottom, series(df, variant, "clone", "one_minus_r2_forward"), color=f"C{i}")
        top.set_title(f"{NOISE_NAMES[panel_key]} = {p:g}")
        top.set_ylabel("clone train loss")
        escape_axis(bottom)
        bottom.set_xlabel("stage-2 step")
    axes[0][0].legend(fontsize=7)
    return fig


def optimizer_figure(df: pd.DataFrame, variants=("sgd", "adam")):
    """Figures B.13 / B.14: (a) 1 - R^2, (b) train loss, (c) effective rank of SGD vs Adam clones."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(10, 2.8))
    three_panels(axes, df, list(variants))
    for ax, t in zip(axes, ["(a) cloning $R^2$ escape", "(b) train loss", "(c) effective rank"]):
        ax.set_title(t)
    axes[1].legend(fontsize=7)
    return fig
