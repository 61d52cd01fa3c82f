"""What every figure table starts from: the runs' tidy tables, and a summary over seeds."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd


class RunTableError(ValueError):
    """A run's table or run.json that cannot be read (truncated, half-copied, edited)."""


def read_run_table(path) -> pd.DataFrame:
    """pd.read_parquet, with an error that names the file and the fix when it cannot be read."""
    try:
        return pd.read_parquet(path)
    except Exception as e:  # pyarrow raises several types (ArrowInvalid, OSError, ...) for a broken file
        raise RunTableError(f"run table {path} cannot be read ({type(e).__name__}: {' '.join(str(e).split())[:160]}); "
                            f"delete {Path(path).parent} and rerun snakemake, which trains that run again") from None


def read_run_json(path) -> dict:
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError) as e:
        raise RunTableError(f"run record {path} cannot be read ({e}); delete {Path(path).parent} and rerun "
                            "snakemake, which trains that run again") from None


def load_runs(paths) -> pd.DataFrame:
    """Concatenate runs' metrics.parquet files, tagged with arch, variant and seed from their run.json."""
    frames = []
    for p in paths:
        p = Path(p)
        meta = read_run_json(p.parent / "run.json")
        df = read_run_table(p)
        df["arch"], df["variant"], df["seed"] = meta["arch"], meta["variant"], int(meta["seed"])
        frames.append(df)
    if not frames:
        raise ValueError("no runs given to the figure table")
    return pd.concat(frames, ignore_index=True)


def over_seeds(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per `keys`: mean and sample std over seeds (0 for a single seed) plus seed<k> columns."""
    wide = df.pivot_table(index=keys, columns="seed", values="value", aggfunc="mean")
    wide.columns = [f"seed{c}" for c in wide.columns]
    vals = wide.to_numpy()
    out = wide.reset_index()
    out.insert(len(keys), "mean", np.nanmean(vals, axis=1))
    n = np.sum(~np.isnan(vals), axis=1)
    std = np.nanstd(vals, axis=1, ddof=1) if vals.shape[1] > 1 else np.zeros(len(vals))
    out.insert(len(keys) + 1, "std", np.where(n > 1, std, 0.0))
    out.insert(len(keys) + 2, "n_seeds", n)
    return out
