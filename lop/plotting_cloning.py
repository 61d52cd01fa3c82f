"""Panels shared by the cloning figures (2.1, B.7-B.14), drawn from their figure tables only.

Cloning R^2 is drawn as 1 - R^2 on a symlog axis: exact clones give 0 (bottom of the axis) and the
escape under Noisy SGD / dropout (1e-2 .. 1e-5 at small scale) stays visible; forward solid, backward
dashed. Losses: clone solid, base dotted. Effective rank: clone solid, base dotted.
"""
from __future__ import annotations

import pandas as pd

from .plotting import band

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
                linestyle=linestyle)


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
