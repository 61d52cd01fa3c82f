"""Synthetic figure tables and claims files for the paper_checks tests (written by the tests, nothing mocked).

A separately named module (not conftest) so that `from pc_helpers import ...` cannot pick up another
folder's conftest when the whole suite runs.
"""
import textwrap

import numpy as np
import pandas as pd


def curve_table(series: dict, steps=range(20, 420, 20), seeds=(0, 1)) -> pd.DataFrame:
    """A continual-style figure table: series {(arch, role, metric): f(step, seed) -> value}."""
    rows = []
    for (arch, role, metric), f in series.items():
        for step in steps:
            vals = [f(step, s) for s in seeds]
            row = {"arch": arch, "variant": "none", "role": role, "layer": "mean", "metric": metric, "step": step,
                   "mean": float(np.mean(vals)), "std": float(np.std(vals, ddof=1)), "n_seeds": len(seeds)}
            row.update({f"seed{s}": v for s, v in zip(seeds, vals)})
            rows.append(row)
    return pd.DataFrame(rows)


def write_claims(folder, text: str):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "claims.yaml").write_text(textwrap.dedent(text))
    return folder
