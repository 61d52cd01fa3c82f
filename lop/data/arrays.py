"""The prepared-dataset format every loader writes and every experiment reads.

A folder holding x_train.npy / x_test.npy (uint8, N x H x W x C), y_train.npy / y_test.npy (int64) and
meta.json (name, classes, shapes, source). Plain .npy so that large sets can be memory-mapped and written
in place without holding two copies in memory.

meta.json carries a manifest (shape, dtype, size and SHA-256 of every array file), written last; every
load checks it, so an array truncated or changed outside Snakemake's control (disk full, a killed copy,
an edit) is refused with the file's name and the fix instead of training on it.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from ..provenance import atomic_path, write_json_atomic

FILES = ("x_train.npy", "y_train.npy", "x_test.npy", "y_test.npy", "meta.json")
ARRAYS = ("x_train", "y_train", "x_test", "y_test")


class PreparedDataError(ValueError):
    """A prepared array that does not match its manifest (or has none)."""


def array_paths(folder) -> list[str]:
    return [str(Path(folder) / f) for f in FILES]


def save_arrays(folder, *, x_train, y_train, x_test, y_test, meta: dict) -> None:
    folder = Path(folder)
    for name, arr in (("x_train", x_train), ("y_train", y_train), ("x_test", x_test), ("y_test", y_test)):
        with atomic_path(folder / f"{name}.npy") as tmp, open(tmp, "wb") as fh:
            np.save(fh, np.asarray(arr), allow_pickle=False)  # a file object: np.save would append .npy to a path
    write_meta(folder, _meta(meta, x_train, y_train, x_test, y_test))


def _meta(meta, x_train, y_train, x_test, y_test) -> dict:
    return {**meta, "train_shape": list(x_train.shape), "test_shape": list(x_test.shape),
            "num_classes": int(max(y_train.max(), y_test.max()) + 1)}


def file_sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 24), b""):
            h.update(block)
    return h.hexdigest()


def manifest(folder) -> dict:
    """{array name: {shape, dtype, bytes, sha256}} of the .npy files in `folder` (read from the files)."""
    folder = Path(folder)
    out = {}
    for name in ARRAYS:
        f = folder / f"{name}.npy"
        a = np.load(f, mmap_mode="r", allow_pickle=False)
        out[name] = {"shape": list(a.shape), "dtype": str(a.dtype), "bytes": f.stat().st_size,
                     "sha256": file_sha256(f)}
        del a
    return out


def write_meta(folder, meta: dict) -> None:
    """Write meta.json with the manifest of the arrays already in `folder` (last, so it seals them)."""
    write_json_atomic(Path(folder) / "meta.json", {**meta, "manifest": manifest(folder)})


def verify_arrays(folder, meta: dict) -> None:
    """Check every array file against meta.json's manifest; raise PreparedDataError naming file and fix."""
    folder = Path(folder)
    fix = (f"delete {folder} and rerun snakemake, which prepares it again (or `snakemake -c1 "
           f"{folder / 'meta.json'}`)")
    want = meta.get("manifest")
    if not isinstance(want, dict):
        raise PreparedDataError(f"{folder / 'meta.json'} has no manifest (written by an older version or by hand); "
                                f"{fix}")
    for name in ARRAYS:
        f, w = folder / f"{name}.npy", want.get(name, {})
        size = f.stat().st_size
        if size != w.get("bytes"):
            raise PreparedDataError(f"{f} is {size} bytes, its manifest says {w.get('bytes')} (truncated or "
                                    f"rewritten after preparation); {fix}")
        try:
            a = np.load(f, mmap_mode="r", allow_pickle=False)
        except (ValueError, OSError) as e:
            raise PreparedDataError(f"{f} is not a readable .npy file ({e}); {fix}") from None
        if list(a.shape) != w.get("shape") or str(a.dtype) != w.get("dtype"):
            raise PreparedDataError(f"{f} holds {a.dtype} {list(a.shape)}, its manifest says {w.get('dtype')} "
                                    f"{w.get('shape')}; {fix}")
        del a
        if file_sha256(f) != w.get("sha256"):
            raise PreparedDataError(f"{f} fails its SHA-256 check against {folder / 'meta.json'} (changed after "
                                    f"preparation); {fix}")


def load_arrays(folder, mmap: bool = False, verify: bool = True) -> dict:
    """Load a prepared dataset, checked against its manifest (`verify`).

    Raises FileNotFoundError naming a missing file and the rule that makes it, PreparedDataError for a
    file that does not match the manifest.
    """
    folder = Path(folder)
    for f in FILES:
        if not (folder / f).exists():
            raise FileNotFoundError(f"prepared dataset file {folder / f} is missing; build it with "
                                    f"`snakemake -c1 {folder / 'meta.json'}`")
    try:
        meta = json.loads((folder / "meta.json").read_text())
    except ValueError as e:
        raise PreparedDataError(f"{folder / 'meta.json'} is not valid JSON ({e}); delete {folder} and rerun "
                                "snakemake, which prepares it again") from None
    if verify:
        verify_arrays(folder, meta)
    mode = "r" if mmap else None
    out = {n: np.load(folder / f"{n}.npy", mmap_mode=mode, allow_pickle=False) for n in ARRAYS}
    out["meta"] = meta
    if out["x_train"].dtype != np.uint8 or out["x_train"].ndim != 4:
        raise ValueError(f"{folder}/x_train.npy must be uint8 N x H x W x C; got {out['x_train'].dtype} "
                         f"{out['x_train'].shape}")
    return out
