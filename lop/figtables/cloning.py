"""Figure tables of the cloning family (2.1, B.7-B.14): exactly the plotted data, from the runs' tables.

Input: the stage-2 rows of each run's metrics.parquet (lop.train.cloning). Output per figure: one
row per (arch, variant, model, metric, step) with the mean and sample std over seeds (0 for one seed),
n_seeds and every seed's value in a `seed<k>` column. `one_minus_r2_*` = 1 - R^2 is stored next to R^2
because at small scale the escape from the cloning manifold is 1e-2 .. 1e-5 and is drawn on a log axis.
Variant parameters (method, sigma0, decay, dropout) and a legend label are added as columns so that
the figure scripts split panels without parsing names. The builders take the table settings (config
`cloning.figure`, lop.figures) like every builder; they read none of them (the setting chooses the runs).
"""
from __future__ import annotations


import numpy as np
import pandas as pd

from ..variants.cloning import parse_variant
from .runs import over_seeds

# What the figures draw (the registry lop.figures says which figure uses which): all curves, or losses only.
FULL = ("train_loss", "r2_forward", "r2_backward", "one_minus_r2_forward", "one_minus_r2_backward", "effective_rank")
LOSSES = ("train_loss", "one_minus_r2_forward")


def label(variant: str) -> str:
    s = parse_variant(variant)
    if s["method"] == "noisy_sgd":
        return f"Noisy SGD ({s['sigma0']:g}, {s['decay']:g})"
    if s["method"] == "dropout":
        return f"Dropout {s['dropout']:g}"
    return {"sgd": "SGD", "adam": "Adam"}[s["method"]]



def _stage2_metrics(runs: pd.DataFrame) -> pd.DataFrame:
    """Model-level losses and layer-mean R^2 / rank of stage 2, with 1 - R^2 added."""
    s2 = runs[runs["phase"] == "stage2"]
    model_level = s2[(s2["layer"] == "") & s2["metric"].isin(["train_loss", "test_acc"])]
    mean_level = s2[(s2["layer"] == "mean") & s2["metric"].isin(["r2_forward", "r2_backward", "effective_rank"])]
    r2 = mean_level[mean_level["metric"].str.startswith("r2_")]
    escape = r2.assign(metric="one_minus_" + r2["metric"], value=1.0 - r2["value"])
    return pd.concat([model_level, mean_level, escape], ignore_index=True)


def table(runs: pd.DataFrame, metrics) -> pd.DataFrame:
    """The figure table of the given runs (exactly the runs the figure reads): `metrics` over seeds."""
    m = _stage2_metrics(runs)
    m = m[m["metric"].isin(metrics)]
    out = over_seeds(m, ["arch", "variant", "model", "metric", "step"])
    specs = {v: parse_variant(v) for v in out["variant"].unique()}
    out.insert(2, "method", out["variant"].map(lambda v: specs[v]["method"]))
    out.insert(3, "sigma0", out["variant"].map(lambda v: specs[v].get("sigma0", 0.0)))
    out.insert(4, "decay", out["variant"].map(lambda v: specs[v].get("decay", np.nan)))
    out.insert(5, "dropout", out["variant"].map(lambda v: specs[v]["dropout"]))
    out.insert(6, "label", out["variant"].map(label))
    return out.sort_values(["arch", "variant", "model", "metric", "step"]).reset_index(drop=True)


def full(runs: pd.DataFrame, settings: dict | None = None) -> pd.DataFrame:
    """Figures 2.1, B.7, B.13, B.14: losses, both R^2 (and their escape 1 - R^2) and the effective rank."""
    return table(runs, FULL)


def losses(runs: pd.DataFrame, settings: dict | None = None) -> pd.DataFrame:
    """Figures B.8-B.12: train loss and forward escape 1 - R^2."""
    return table(runs, LOSSES)
