"""The extension grid (config `extensions`, `continual.methods`): the continual config of one of its runs.

A grid run is a continual run (lop.train.continual) with the `continual` settings of the preset
(dataset, learning rates, batches, probe, thresholds; no normalization, no dropout), its own length and
seeds from `extensions`, and `continual.method` set to the method of the cell.
"""
from __future__ import annotations

import copy


def grid_run_config(cfg: dict, method: str) -> dict:
    if method not in cfg["continual"]["methods"]:
        raise ValueError(f"method {method!r} is not in continual.methods {cfg['continual']['methods']}; add it there")
    ext = cfg["extensions"]
    out = copy.deepcopy(cfg)
    out["continual"].update(method=method, num_tasks=ext["num_tasks"], steps_per_task=ext["steps_per_task"],
                            seeds=list(ext["seeds"]), archs=list(ext["archs"]), protocol="paper")
    return out
