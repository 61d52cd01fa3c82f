"""The life of one training run, the same for the three families (lop.train.continual, cloning, bitflip).

  start    `identity`: the run's family, grid cell, seed and config hash, which tag its checkpoint
  resume   `lop.train.checkpoint.load_state` (one format): the saved state when the checkpoint is this
           run's, else the run starts afresh; checkpoints are written atomically by `save_state`
  finish   `diverged`: the divergence policy (lop.train.divergence) applied to the finished table;
           `finish_run`: metrics.parquet and run.json written atomically, then the checkpoint deleted (a
           finished run never resumes)
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..provenance import write_json_atomic, write_table_atomic
from .divergence import METRIC, on_divergence


def identity(experiment: str, config_hash: str, **cell) -> dict:
    """What a checkpoint must match to be resumed from: the family, the run's cell of the grid (arch,
    variant, seed, ...) and the hash of the settings that shape its numbers."""
    return {"experiment": experiment, **cell, "config_hash": config_hash}


def diverged(table: pd.DataFrame, policy: str, run: str, step: int, fix: str, nan_rows,
             row: dict) -> tuple[pd.DataFrame, dict]:
    """A run whose training loss became non-finite at `step`: under `fail` raise; under `record` set the
    values at `nan_rows` (a .loc row indexer: everything measured from the divergence on) to NaN, append
    the `diverged_at` row (`row` holds the family's key columns; metric and value are filled in) and return
    the table with run.json's record."""
    record = on_divergence(policy, run, step, fix)
    table.loc[nan_rows, "value"] = np.nan
    marker = pd.DataFrame([{**row, "metric": METRIC, "value": float(step)}], columns=table.columns)
    return pd.concat([table, marker], ignore_index=True), record


def finish_run(out_dir, table: pd.DataFrame, record: dict, checkpoint=None) -> Path | None:
    """Write out_dir/metrics.parquet and out_dir/run.json (each atomically; no out_dir: write nothing),
    then delete the checkpoint. Returns the table's path."""
    path = None
    if out_dir is not None:
        out_dir = Path(out_dir)
        path = out_dir / "metrics.parquet"
        write_table_atomic(table, path)
        write_json_atomic(out_dir / "run.json", record)
    if checkpoint is not None and Path(checkpoint).exists():
        Path(checkpoint).unlink()
    return path
