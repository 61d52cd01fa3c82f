"""Figure tables of the cloning family (2.1, B.7-B.14): exactly the plotted data, from the runs' tables.

Input: the stage-2 rows of each run's metrics.parquet (lop.experiments.cloning). Output per figure: one
row per (arch, variant, model, metric, step) with the mean and sample std over seeds (0 for one seed),
n_seeds and every seed's value in a `seed<k>` column. `one_minus_r2_*` = 1 - R^2 is stored next to R^2
because at small scale the escape from the cloning manifold is 1e-2 .. 1e-5 and is drawn on a log axis.
Variant parameters (method, sigma0, decay, dropout) and a legend label are added as columns so that
the figure scripts split panels without parsing names.
"""
from __future__ import annotations


import numpy as np
import pandas as pd

from .runs import load_runs, over_seeds  # noqa: F401 (load_runs is part of this module's API)

from ..experiments.cloning import parse_variant, variant_name

# What each figure draws (PAPER.md section 6).
FULL = ("train_loss", "r2_forward", "r2_backward", "one_minus_r2_forward", "one_minus_r2_backward", "effective_rank")
LOSSES = ("train_loss", "one_minus_r2_forward")
FIGURE_METRICS = {"fig2_1": FULL, "figB_7": FULL, "figB_13": FULL, "figB_14": FULL,
                  "figB_8": LOSSES, "figB_9": LOSSES, "figB_10": LOSSES, "figB_11": LOSSES, "figB_12": LOSSES}


def figure_runs(fig: str, ccfg: dict) -> list[tuple[str, str]]:
    """The (arch, variant) cells figure `fig` needs under the cloning config `ccfg` (seeds come on top)."""
    f = ccfg["figure"]
    noisy = variant_name("noisy_sgd", sigma0=f["sigma0"], decay=f["decay"])
    drop = variant_name("dropout", p=f["dropout"])
    sig, lam = ccfg["noisy_sgd"]["sigma0"], ccfg["noisy_sgd"]["decay"]
    grid = [variant_name("noisy_sgd", sigma0=s, decay=d) for s in sig for d in lam]
    panel_grid = [variant_name("noisy_sgd", sigma0=s, decay=d) for s in sig for d in f["decay_panels"] if d in lam]
    drops = [variant_name("dropout", p=p) for p in ccfg["dropout"]]
    three = ["sgd", noisy, drop]
    cells = {
        "fig2_1": [("mlp", v) for v in three],
        "figB_7": [(a, v) for a in ccfg["archs"] for v in three],
        "figB_8": [("mlp", v) for v in ["sgd"] + panel_grid],
        "figB_9": [("mlp", v) for v in ["sgd"] + grid],
        "figB_10": [("vit", v) for v in ["sgd"] + panel_grid],
        "figB_11": [("vit", v) for v in ["sgd"] + grid],
        "figB_12": [(a, v) for a in ("mlp", "cnn", "vit") for v in ["sgd"] + drops],
        "figB_13": [("mlp", v) for v in ("sgd", "adam")],
        "figB_14": [("vit", v) for v in ("sgd", "adam")],
    }
    if fig not in cells:
        raise ValueError(f"{fig!r} is not a cloning figure; choose one of {sorted(cells)}")
    return list(dict.fromkeys(cells[fig]))


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




def build(fig: str, run_paths, ccfg: dict) -> pd.DataFrame:
    """The figure table of `fig` from the given run tables (which must cover figure_runs(fig, ccfg))."""
    runs = load_runs(run_paths)
    need = set(figure_runs(fig, ccfg))
    have = set(zip(runs["arch"], runs["variant"]))
    if need - have:
        raise ValueError(f"{fig}: runs missing for {sorted(need - have)}")
    runs = runs[[c in need for c in zip(runs["arch"], runs["variant"])]]
    m = _stage2_metrics(runs)
    m = m[m["metric"].isin(FIGURE_METRICS[fig])]
    out = over_seeds(m, ["arch", "variant", "model", "metric", "step"])
    specs = {v: parse_variant(v) for v in out["variant"].unique()}
    out.insert(2, "method", out["variant"].map(lambda v: specs[v]["method"]))
    out.insert(3, "sigma0", out["variant"].map(lambda v: specs[v].get("sigma0", 0.0)))
    out.insert(4, "decay", out["variant"].map(lambda v: specs[v].get("decay", np.nan)))
    out.insert(5, "dropout", out["variant"].map(lambda v: specs[v]["dropout"]))
    out.insert(6, "label", out["variant"].map(label))
    return out.sort_values(["arch", "variant", "model", "metric", "step"]).reset_index(drop=True)
