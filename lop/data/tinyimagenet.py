"""Tiny ImageNet from the official archive layout -> the prepared-array format (lop.data.arrays).

Layout (zip or extracted folder): tiny-imagenet-200/wnids.txt, train/<wnid>/images/*.JPEG,
val/images/*.JPEG and val/val_annotations.txt ("<file>\t<wnid>\t<bbox...>"). Class index = line number
in wnids.txt. The official val split is our test split (the official test split has no labels).

Memory: images are decoded one at a time straight into memory-mapped .npy files, so preparation needs
about one copy of the arrays (the issue's bound is 2x).
"""
from __future__ import annotations

import io
import os
import urllib.request
import zipfile
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

from ..provenance import atomic_path
from .arrays import write_meta

EXPECTED = {"classes": 200, "train_per_class": 500, "val_per_class": 50, "size": 64}


class DatasetError(RuntimeError):
    """A missing, truncated or malformed dataset archive."""


class _Source:
    """Uniform read access to the archive, whether a .zip or an extracted folder."""

    def __init__(self, path: Path):
        self.path = path
        if path.is_dir():
            self.zip = None
            names = [str(p.relative_to(path)).replace(os.sep, "/") for p in path.rglob("*") if p.is_file()]
        else:
            try:
                self.zip = zipfile.ZipFile(path)
                bad = self.zip.testzip() if path.stat().st_size < 50_000_000 else None  # full CRC check on small files only
            except (zipfile.BadZipFile, EOFError, OSError) as e:
                raise DatasetError(f"{path} is not a readable zip archive ({e}); the download was probably "
                                   "truncated - delete it and download tiny-imagenet-200.zip again") from e
            if bad is not None:
                raise DatasetError(f"{path}: member {bad} fails its CRC check; the archive is corrupt - download it again")
            names = [n for n in self.zip.namelist() if not n.endswith("/")]
        # Accept an optional top-level folder (tiny-imagenet-200/...).
        roots = {n.split("/")[0] for n in names if n.endswith("wnids.txt") and n.count("/") == 1}
        self.prefix = (roots.pop() + "/") if roots else ""
        self.names = set(names)

    def read(self, rel: str) -> bytes:
        name = self.prefix + rel
        if name not in self.names:
            raise DatasetError(f"{self.path}: missing {name!r}; this is not a complete tiny-imagenet-200 archive")
        try:
            if self.zip is not None:
                return self.zip.read(name)
            return (self.path / name).read_bytes()
        except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as e:
            raise DatasetError(f"{self.path}: cannot read {name} ({e}); the archive is truncated or corrupt") from e

    def list(self, rel_prefix: str) -> list[str]:
        p = self.prefix + rel_prefix
        return sorted(n[len(self.prefix):] for n in self.names if n.startswith(p))


def _decode(blob: bytes, name: str, size: int) -> np.ndarray:
    try:
        img = Image.open(io.BytesIO(blob)).convert("RGB")  # some Tiny ImageNet images are greyscale
    except Exception as e:  # PIL raises several types for broken files
        raise DatasetError(f"cannot decode image {name} ({e}); the archive is corrupt") from e
    if img.size != (size, size):
        raise DatasetError(f"image {name} is {img.size[0]}x{img.size[1]}, expected {size}x{size}")
    return np.asarray(img, dtype=np.uint8)


def fetch(archive: Path, url: str | None) -> Path:
    """Return the archive path, downloading it first when missing and a URL is configured."""
    if archive.exists():
        return archive
    if not url:
        raise DatasetError(f"Tiny ImageNet archive not found at {archive}. Put tiny-imagenet-200.zip (or its "
                           "extracted folder) there, or set data.tinyimagenet.archive in config.yaml to where it "
                           "is, or set data.tinyimagenet.url (e.g. http://cs231n.stanford.edu/tiny-imagenet-200.zip) "
                           "on a machine with internet.")
    archive.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(archive) as tmp:
        urllib.request.urlretrieve(url, tmp)
    return archive


def prepare_tinyimagenet(archive, out_dir, *, url=None, expected: dict | None = None, progress=None) -> dict:
    """Decode the archive into out_dir/{x,y}_{train,test}.npy + meta.json; return the meta dict.

    `expected` overrides the counts checked (tests use a few classes and images).
    """
    exp = {**EXPECTED, **(expected or {})}
    src = _Source(fetch(Path(archive), url))
    wnids = [w.strip() for w in src.read("wnids.txt").decode().splitlines() if w.strip()]
    if len(wnids) != exp["classes"]:
        raise DatasetError(f"wnids.txt lists {len(wnids)} classes, expected {exp['classes']}: wrong or partial archive")
    index = {w: i for i, w in enumerate(wnids)}

    train = []
    for w in wnids:
        files = [f for f in src.list(f"train/{w}/images/") if f.upper().endswith(".JPEG")]
        if len(files) != exp["train_per_class"]:
            raise DatasetError(f"class {w}: {len(files)} training images, expected {exp['train_per_class']}; "
                               "the archive is truncated or not tiny-imagenet-200")
        train += [(f, index[w]) for f in files]
    val = []
    for line in src.read("val/val_annotations.txt").decode().splitlines():
        parts = line.split("\t")
        if len(parts) < 2:
            continue
        if parts[1] not in index:
            raise DatasetError(f"val_annotations.txt names class {parts[1]!r} that is not in wnids.txt")
        val.append((f"val/images/{parts[0]}", index[parts[1]]))
    if len(val) != exp["val_per_class"] * exp["classes"]:
        raise DatasetError(f"val_annotations.txt lists {len(val)} images, expected "
                           f"{exp['val_per_class'] * exp['classes']}")

    out_dir = Path(out_dir)
    s = exp["size"]
    for split, items in (("train", train), ("test", val)):
        with atomic_path(out_dir / f"x_{split}.npy") as tmp:
            x = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.uint8, shape=(len(items), s, s, 3))
            for i, (name, _) in enumerate(items):
                x[i] = _decode(src.read(name), name, s)
                if progress is not None:
                    progress.update(1)
            x.flush()
            del x
        with atomic_path(out_dir / f"y_{split}.npy") as tmp, open(tmp, "wb") as fh:
            np.save(fh, np.array([c for _, c in items], dtype=np.int64))
    meta = {"name": "tinyimagenet", "source": str(archive), "wnids": wnids, "num_classes": len(wnids),
            "train_shape": [len(train), s, s, 3], "test_shape": [len(val), s, s, 3]}
    write_meta(out_dir, meta)  # last: the manifest seals the arrays above
    return meta
