"""The life of one training run, the same for the three families (lop.train.continual, cloning, bitflip).

  enter    one signature, `EntryPoint`: run_continual, run_cloning and run_bitflip differ only in their
           grid cell's keys (tests/train/test_entry_points.py holds them to it)
  start    `identity`: the run's family, grid cell, seed and config hash, which tag its checkpoint
  resume   `lop.train.checkpoint.load_state` (one format): the saved state when the checkpoint is this
           run's, else the run starts afresh; checkpoints are written atomically by `save_state`
  finish   `diverged`: the divergence policy (lop.train.divergence) applied to the finished table;
           `finish_run`: metrics.parquet and run.json written atomically, then the checkpoint deleted (a
           finished run never resumes)
"""
from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from ..provenance import write_json_atomic, write_table_atomic
from .divergence import METRIC, on_divergence


class EntryPoint(Protocol):
    """How every family's run is called:

        run_<family>(cfg, *, <the cell's keys>, seed, data, out_dir=None, checkpoint=None, progress=True,
                     stop_after=None) -> pd.DataFrame | None

    cfg         the resolved config (the family reads its own section, `device`, `divergence`, ...)
    cell keys   keyword-only, no defaults: continual and cloning `arch, variant`, bit flipping `width, switch`
    data        `lop.data.arrays.load_arrays` output (loaded once by the caller, shared by a job's runs);
                None for bit flipping, whose stream is generated from cfg and the seed
    out_dir     where metrics.parquet and run.json are written (`finish_run`); None: write nothing
    checkpoint  the resumable checkpoint file (resumed from when it is this run's; None: no checkpoints)
    progress    show a progress bar
    stop_after  the family's position (continual: step, cloning: (stage, step), bit flipping: sample) at
                which to return None as if killed, leaving the checkpoint (resume tests)

    Returns the tidy metrics table (the one written to out_dir), or None when stopped by `stop_after`.
    Only the shared part is spelled out here: a Protocol cannot say "some keyword-only cell keys".
    """

    def __call__(self, cfg: dict, *, seed: int, data: dict | None, out_dir=None, checkpoint: Path | None = None,
                 progress: bool = True, stop_after=None) -> pd.DataFrame | None: ...


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
