"""Figure tables of bit flipping (B.1, B.2): exactly the plotted data, from the runs' tables.

`p` is the bitflip config the tables read (bins, phase window, length, switch point, CBP variant).
Like every figure table, each row holds the mean, the sample std (0 for one seed), n_seeds and every
seed's own value in a `seed<k>` column (lop.figtables.runs.over_seeds): the audit's verdict engine needs
one effect per seed to form an interval, and a regression can be traced to a seed.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..train.bitflip import cbp_start
from .runs import over_seeds, read_run_json, read_run_table


def load_runs(paths) -> pd.DataFrame:
    """Concatenate the runs' metrics.parquet files, tagged with the switch point from their run.json."""
    parts = []
    for path in paths:
        d = read_run_table(path)
        d["switch"] = float(read_run_json(Path(path).parent / "run.json")["switch"])
        parts.append(d)
    if not parts:
        raise ValueError("no bit-flipping runs given to the figure table")
    return pd.concat(parts, ignore_index=True)


def figB_1(frames: pd.DataFrame, p: dict) -> pd.DataFrame:
    """Loss and effective rank in `bin`-sample bins (mean over the bin per seed, then over seeds)."""
    df = frames[frames.metric.isin(["loss", "effective_rank"]) & (frames.step > 0)].copy()
    df["bin_end"] = ((df.step - 1) // p["bin"] + 1) * p["bin"]
    per_seed = df.groupby(["switch", "width", "seed", "metric", "bin_end"], as_index=False).value.mean()
    out = over_seeds(per_seed, ["switch", "width", "metric", "bin_end"])
    out["switch_step"] = [cbp_start(p["n_samples"], s, p["cbp"]["variant"]) for s in out.switch]
    return out.rename(columns={"bin_end": "samples"})


def figB_2(frames: pd.DataFrame, p: dict) -> pd.DataFrame:
    """Per width and phase: metrics averaged over the last `phase_window` samples of each phase."""
    rows = []
    for (sw, w, s), g in frames.groupby(["switch", "width", "seed"]):
        start = cbp_start(p["n_samples"], sw, p["cbp"]["variant"])
        ends = {"sgd": start, "cbp": p["n_samples"]}
        for phase, end in ends.items():
            sel = g[(g.step > end - p["phase_window"]) & (g.step <= end) & (g.step > 0)]
            for metric in ("effective_rank", "duplicate_fraction", "loss", "dead_fraction"):
                v = sel[sel.metric == metric].value
                rows.append({"switch": sw, "width": w, "seed": s, "phase": phase, "metric": metric,
                             "value": float(v.mean()) if len(v) else float("nan")})
    return over_seeds(pd.DataFrame(rows), ["switch", "width", "phase", "metric"])
