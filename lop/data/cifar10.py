"""CIFAR-10 from the official python archive -> the prepared-array format (lop.data.arrays).

Archive: cifar-10-python.tar.gz (https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz) or its
extracted folder, holding cifar-10-batches-py/{data_batch_1..5, test_batch, batches.meta}. Each batch is
a pickled dict with b'data' (N x 3072 uint8, channel-major: 1024 red, 1024 green, 1024 blue values of a
32x32 image, row-major) and b'labels' (N ints in 0..9); batches.meta has b'label_names'. Pickles are
read with encoding='bytes' (they were written by Python 2), and only these plain types are accepted.
"""
from __future__ import annotations

import io
import pickle
import tarfile
from pathlib import Path

import numpy as np

from .arrays import save_arrays
from .tinyimagenet import DatasetError, fetch as _fetch

URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
FOLDER = "cifar-10-batches-py"
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
EXPECTED = {"train": 50_000, "test": 10_000, "classes": 10, "size": 32}
# The per-channel statistics the authors normalised CIFAR-10 with (src/utils/data.py get_transforms;
# `cloning.normalize: cifar10`). The std is the widely copied per-image figure, not the dataset's
# pixel std (~0.247, 0.243, 0.261); the default normalises with ImageNet's, as for every dataset.
CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR10_STD = (0.2023, 0.1994, 0.2010)


class _SafeUnpickler(pickle.Unpickler):
    """The batches hold only dicts, lists, bytes and numbers (and numpy arrays in some re-packs); refuse
    anything else so that a tampered archive cannot run code."""

    ALLOWED = {("_codecs", "encode"),  # how protocol-2 pickles written by Python 3 store bytes
               ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
               ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "scalar"),
               ("numpy._core.multiarray", "scalar")}

    def find_class(self, module, name):
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"unexpected object {module}.{name} in a CIFAR-10 batch")


class _Source:
    """Read the batch files from the .tar.gz or from an extracted folder."""

    def __init__(self, path: Path):
        self.path = path
        if path.is_dir():
            base = path / FOLDER if (path / FOLDER).is_dir() else path
            self.files = {p.name: p for p in base.iterdir() if p.is_file()}
            self.tar = None
        else:
            try:
                self.tar = tarfile.open(path, "r:*")
                members = self.tar.getmembers()  # reads the whole archive: finds truncation here
            except (tarfile.TarError, EOFError, OSError) as e:
                raise DatasetError(f"{path} is not a readable tar archive ({type(e).__name__}: {e}); the download "
                                   f"was probably truncated - delete it and download {URL} again") from e
            self.files = {Path(m.name).name: m for m in members if m.isfile()}

    def read(self, name: str) -> bytes:
        if name not in self.files:
            raise DatasetError(f"{self.path}: batch file {FOLDER}/{name} is missing (the archive holds "
                               f"{sorted(self.files)}); expected data_batch_1..5, test_batch and batches.meta")
        if self.tar is None:
            return self.files[name].read_bytes()
        try:
            return self.tar.extractfile(self.files[name]).read()
        except (tarfile.TarError, EOFError, OSError) as e:
            raise DatasetError(f"{self.path}: cannot read {name} ({e}); the archive is corrupt - download it again") from e


def _load_pickle(blob: bytes, name: str) -> dict:
    try:
        d = _SafeUnpickler(io.BytesIO(blob), encoding="bytes").load()
    except Exception as e:  # any unpickling failure means a corrupt or foreign file
        raise DatasetError(f"CIFAR-10 batch {name} is not a readable pickle ({type(e).__name__}: {e}); "
                           "the archive is corrupt - download it again") from e
    if not isinstance(d, dict):
        raise DatasetError(f"CIFAR-10 batch {name}: expected a pickled dict, got {type(d).__name__}")
    return d


def _read_batch(src: _Source, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(images N x 32 x 32 x 3 uint8, labels N int64) of one batch file, with shape checks."""
    d = _load_pickle(src.read(name), name)
    if b"data" not in d or b"labels" not in d:
        raise DatasetError(f"CIFAR-10 batch {name}: keys {sorted(map(str, d))} lack b'data' / b'labels'")
    data = np.asarray(d[b"data"])
    labels = np.asarray(d[b"labels"], dtype=np.int64)
    side = EXPECTED["size"]
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3 * side * side:
        raise DatasetError(f"CIFAR-10 batch {name}: b'data' must be N x {3 * side * side} uint8, "
                           f"got {data.dtype} {data.shape}")
    if labels.shape != (data.shape[0],):
        raise DatasetError(f"CIFAR-10 batch {name}: {labels.shape[0]} labels for {data.shape[0]} images")
    if labels.size and (labels.min() < 0 or labels.max() >= EXPECTED["classes"]):
        raise DatasetError(f"CIFAR-10 batch {name}: labels outside 0..{EXPECTED['classes'] - 1}")
    # channel-major rows -> N x 3 x 32 x 32 -> N x H x W x C
    images = data.reshape(-1, 3, side, side).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels


def read_cifar10(archive, *, expected_train: int = EXPECTED["train"], expected_test: int = EXPECTED["test"]) -> dict:
    """{x_train, y_train, x_test, y_test, label_names} from the archive (file or folder), counts checked."""
    archive = Path(archive)
    src = _Source(archive)
    meta = _load_pickle(src.read("batches.meta"), "batches.meta")
    names = [n.decode() if isinstance(n, bytes) else str(n) for n in meta.get(b"label_names", [])]
    parts = [_read_batch(src, b) for b in TRAIN_BATCHES]
    x_train = np.concatenate([p[0] for p in parts])
    y_train = np.concatenate([p[1] for p in parts])
    x_test, y_test = _read_batch(src, "test_batch")
    for split, n, want in (("train", len(x_train), expected_train), ("test", len(x_test), expected_test)):
        if n != want:
            raise DatasetError(f"CIFAR-10 {split} split has {n} images, expected {want}: the archive at "
                               f"{archive} is incomplete or not the official CIFAR-10 python version")
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test, "label_names": names}


def fetch(archive, url: str | None) -> Path:
    """The archive path; downloads from `url` (data.cifar10.url) when the archive is missing."""
    archive = Path(archive)
    if archive.exists() or url:
        return _fetch(archive, url)
    raise DatasetError(f"CIFAR-10 archive not found at {archive}. Download {URL} and put it (or its extracted "
                       f"{FOLDER}/ folder) there, or set config key data.cifar10.archive to where it is, or set "
                       f"data.cifar10.url (e.g. {URL}) on a machine with internet.")


def prepare_cifar10(archive, out_dir, *, url: str | None = None, expected_train: int = EXPECTED["train"],
                    expected_test: int = EXPECTED["test"]) -> dict:
    """Read the official archive and write the prepared arrays to `out_dir`; returns the meta dict."""
    path = fetch(archive, url)
    d = read_cifar10(path, expected_train=expected_train, expected_test=expected_test)
    meta = {"name": "cifar10", "source": str(path), "label_names": d["label_names"]}
    save_arrays(out_dir, x_train=d["x_train"], y_train=d["y_train"], x_test=d["x_test"], y_test=d["y_test"],
                meta=meta)
    return meta
