"""The prepared-dataset format every loader writes and every experiment reads.

A folder holding x_train.npy / x_test.npy (uint8, N x H x W x C), y_train.npy / y_test.npy (int64) and
meta.json (name, classes, shapes, source). Plain .npy so that large sets can be memory-mapped and written
in place without holding two copies in memory.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..provenance import atomic_path, write_json_atomic

FILES = ("x_train.npy", "y_train.npy", "x_test.npy", "y_test.npy", "meta.json")


def array_paths(folder) -> list[str]:
    return [str(Path(folder) / f) for f in FILES]


def save_arrays(folder, *, x_train, y_train, x_test, y_test, meta: dict) -> None:
    folder = Path(folder)
    for name, arr in (("x_train", x_train), ("y_train", y_train), ("x_test", x_test), ("y_test", y_test)):
        with atomic_path(folder / f"{name}.npy") as tmp, open(tmp, "wb") as fh:
            np.save(fh, np.asarray(arr), allow_pickle=False)  # a file object: np.save would append .npy to a path
    write_json_atomic(folder / "meta.json", _meta(meta, x_train, y_train, x_test, y_test))


def _meta(meta, x_train, y_train, x_test, y_test) -> dict:
    return {**meta, "train_shape": list(x_train.shape), "test_shape": list(x_test.shape),
            "num_classes": int(max(y_train.max(), y_test.max()) + 1)}


def load_arrays(folder, mmap: bool = False) -> dict:
    """Load a prepared dataset; raises FileNotFoundError naming the missing file and the rule that makes it."""
    folder = Path(folder)
    for f in FILES:
        if not (folder / f).exists():
            raise FileNotFoundError(f"prepared dataset file {folder / f} is missing; build it with "
                                    f"`snakemake -c1 {folder / 'meta.json'}`")
    mode = "r" if mmap else None
    out = {n: np.load(folder / f"{n}.npy", mmap_mode=mode, allow_pickle=False)
           for n in ("x_train", "y_train", "x_test", "y_test")}
    out["meta"] = json.loads((folder / "meta.json").read_text())
    if out["x_train"].dtype != np.uint8 or out["x_train"].ndim != 4:
        raise ValueError(f"{folder}/x_train.npy must be uint8 N x H x W x C; got {out['x_train'].dtype} "
                         f"{out['x_train'].shape}")
    return out
