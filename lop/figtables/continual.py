"""Figure tables of the continual-learning family (3.1, 3.2, 4.1, B.3, B.4, B.5, B.6).

Input: the runs' tidy metrics.parquet files (+ run.json beside each). Output: exactly the plotted data.
Every builder takes the runs and the table settings (config `continual.figure`, lop.figures).
Curves are averaged over windows of `window_steps` steps per seed, then summarised over seeds (mean, sample
std, and every seed's own value in a `seed<k>` column so that regressions can be traced to a seed).

Per-arch "symptom" (the paper's figure captions): dead fraction for MLP/CNN/ResNet, duplicate fraction for the
ViT (its residual stream has no ReLU); B.3/B.6 use the saturated fraction for the ViT. Layer "mean" is
the mean over the arch's probed layers.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..stats import quarter_masks
from ..variants.continual import Variant
from .runs import over_seeds

SYMPTOM = {"mlp": "dead_fraction", "cnn": "dead_fraction", "resnet": "dead_fraction", "vit": "duplicate_fraction"}
SYMPTOM_SAT = {**SYMPTOM, "vit": "saturated_fraction"}


def windowed(df: pd.DataFrame, window: int) -> pd.DataFrame:
    """Average each (arch, variant, seed, layer, metric) series over windows of `window` steps."""
    df = df.copy()
    df["step"] = (np.ceil(df["step"] / window) * window).astype(int)
    return df.groupby(["arch", "variant", "seed", "layer", "metric", "step"], as_index=False)["value"].mean()


def _curves(runs: pd.DataFrame, window: int, select) -> pd.DataFrame:
    """Windowed curves of the (arch, layer, metric) triples chosen by `select(arch) -> [(role, layer, metric)]`."""
    w = windowed(runs, window)
    parts = []
    for arch in runs["arch"].unique():
        for role, layer, metric in select(arch):
            part = w[(w.arch == arch) & (w.layer == layer) & (w.metric == metric)]
            if part.empty:
                raise ValueError(f"runs of {arch} have no {layer}/{metric} values")
            part = part.assign(role=role)
            parts.append(part)
    return over_seeds(pd.concat(parts), ["arch", "variant", "role", "layer", "metric", "step"])


def fig3_1(runs, settings):
    """Per arch: symptom (dead; ViT duplicate) and online training accuracy vs step."""
    window = settings["window_steps"]
    return _curves(runs, window, lambda a: [("symptom", "mean", SYMPTOM[a]), ("accuracy", "online", "accuracy")])


def fig3_2(runs, settings):
    """Per arch: effective rank and symptom vs step."""
    window = settings["window_steps"]
    return _curves(runs, window, lambda a: [("rank", "mean", "effective_rank"), ("symptom", "mean", SYMPTOM[a])])


def fig4_1(runs, settings):
    """Per arch and normalization variant: effective rank vs step."""
    window = settings["window_steps"]
    return _curves(runs, window, lambda a: [("rank", "mean", "effective_rank")])


def _per_layer(runs, window, metric_of):
    """One curve per probed layer; `layer_index` is the probe order (input side first) from the runs."""
    layers = runs[~runs.layer.isin(["online", "mean"])]
    parts = []
    for arch in runs["arch"].unique():
        names = list(layers[layers.arch == arch].layer.unique())  # order of first appearance = probe order
        part = _curves(runs[runs.arch == arch], window, lambda a: [("layer", n, metric_of[a]) for n in names])
        part.insert(part.columns.get_loc("layer") + 1, "layer_index", part["layer"].map(names.index))
        parts.append(part.sort_values(["variant", "layer_index", "step"]))
    return pd.concat(parts, ignore_index=True)


def figB_5(runs, settings):
    """Per arch and probed layer: duplicate fraction vs step."""
    window = settings["window_steps"]
    return _per_layer(runs, window, {a: "duplicate_fraction" for a in SYMPTOM})


def figB_6(runs, settings):
    """Per arch and probed layer: dead fraction (ViT: saturated) vs step."""
    window = settings["window_steps"]
    return _per_layer(runs, window, SYMPTOM_SAT)


def figB_3(runs, settings):
    """Bars: run-averaged symptom (dead; ViT saturated), duplicate fraction and mean online accuracy per
    arch x {none, BN, LN} x dropout {0, p}; mean and std over seeds."""
    parts = []
    for arch in runs["arch"].unique():
        r = runs[runs.arch == arch]
        for role, layer, metric in (("symptom", "mean", SYMPTOM_SAT[arch]), ("duplicate", "mean", "duplicate_fraction"),
                                    ("accuracy", "online", "accuracy")):
            sel = r[(r.layer == layer) & (r.metric == metric)]
            per_seed = sel.groupby(["arch", "variant", "seed", "metric"], as_index=False)["value"].mean()
            parts.append(per_seed.assign(role=role))
    out = over_seeds(pd.concat(parts), ["arch", "variant", "role", "metric"])
    parsed = [Variant.parse(v) for v in out["variant"]]
    out.insert(2, "norm", [v.norm for v in parsed])
    out.insert(3, "dropout", [v.dropout for v in parsed])
    return out


def figB_4(runs, settings):
    """Scatter per arch: duplicate fraction vs frozen fraction per window (seed means), size = online
    accuracy. The frozen axis is the dead fraction, for the ViT the saturated fraction (as in B.3/B.6:
    its residual stream is never exactly zero, so its dead fraction is identically 0).

    Each point also carries every seed's own values, `<column>_seed<k>` for the three plotted columns: a
    claim about the scatter (e.g. a rank correlation) is then computed per seed and gets an interval,
    like every other figure's claims. (`seed<k>` alone would not say which of the three columns it is.)"""
    window = settings["window_steps"]
    w = windowed(runs, window)
    parts = []
    for arch in runs["arch"].unique():
        a = w[w.arch == arch]
        keep = ((a.layer == "mean") & a.metric.isin([SYMPTOM_SAT[arch], "duplicate_fraction"])) | (
            (a.layer == "online") & (a.metric == "accuracy"))
        a = a[keep].replace({"metric": {SYMPTOM_SAT[arch]: "frozen_fraction"}})
        m = a.groupby(["arch", "variant", "step", "metric"])["value"].agg(["mean", "count"])
        n = m["count"].groupby(["arch", "variant", "step"]).min()
        m = m["mean"].unstack("metric").rename_axis(columns=None)
        per_seed = a.pivot_table(index=["arch", "variant", "step"], columns=["metric", "seed"], values="value",
                                 aggfunc="mean")
        per_seed.columns = [f"{metric}_seed{seed}" for metric, seed in per_seed.columns]
        m = m.join(per_seed[sorted(per_seed.columns, key=_b4_order)])
        m["frozen_metric"], m["n_seeds"] = SYMPTOM_SAT[arch], n
        parts.append(m.reset_index().dropna(subset=["frozen_fraction", "duplicate_fraction"]))
    out = pd.concat(parts, ignore_index=True)
    seeds = sorted((c for c in out.columns if re.search(r"_seed\d+$", c)), key=_b4_order)
    return out[["arch", "variant", "step", "frozen_metric", "frozen_fraction", "duplicate_fraction", "accuracy",
                "n_seeds"] + seeds]


def _b4_order(col: str):
    metric, seed = col.rsplit("_seed", 1)
    return B4_COLUMNS.index(metric), int(seed)


B4_COLUMNS = ("frozen_fraction", "duplicate_fraction", "accuracy")


def quarters(table: pd.DataFrame, keys, value: str = "mean") -> pd.DataFrame:
    """First vs last quarter of a curve table: per `keys`, the mean of `value` over the windows whose step
    lies in the first quarter of the step range [lo, lo + (hi - lo)/4] and in the last [hi - (hi - lo)/4, hi],
    and their difference (last - first). The same windows as paper_checks' `trend` comparator; this is how
    docs/continual_figures.md and paper_checks/findings_continual.yaml read the figures."""
    keys = list(keys)
    q = pd.Series("mid", index=table.index)
    for _, idx in table.groupby(keys).groups.items():
        first, last = quarter_masks(table.loc[idx, "step"].to_numpy())
        q.loc[idx] = np.where(first, "first", np.where(last, "last", "mid"))
    out = table.assign(quarter=q)[lambda d: d.quarter != "mid"].groupby(keys + ["quarter"])[value].mean()
    out = out.unstack("quarter").reset_index().rename_axis(columns=None)
    out["change"] = out["last"] - out["first"]
    return out[keys + ["first", "last", "change"]]
