"""CIFAR-10 preparation (lop.data.cifar10) on a tiny fake archive in the REAL format: protocol-2 pickled
dicts with bytes keys (b'data' N x 3072 uint8 channel-major, b'labels'), in cifar-10-batches-py/ inside
a .tar.gz, plus the error cases."""
import io
import pickle
import tarfile

import numpy as np
import pytest

from lop.data.arrays import load_arrays
from lop.data.cifar10 import DatasetError, prepare_cifar10, read_cifar10

PER_BATCH, N_TEST = 6, 4


def _batch(rng, n, name):
    data = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
    labels = [int(v) for v in rng.integers(0, 10, size=n)]
    return {b"batch_label": name.encode(), b"labels": labels, b"data": data,
            b"filenames": [f"img_{i}.png".encode() for i in range(n)]}


def _files(seed=0, drop=(), override=None):
    rng = np.random.default_rng(seed)
    files = {f"data_batch_{i}": _batch(rng, PER_BATCH, f"training batch {i} of 5") for i in range(1, 6)}
    files["test_batch"] = _batch(rng, N_TEST, "testing batch 1 of 1")
    files["batches.meta"] = {b"label_names": [n.encode() for n in ("airplane", "automobile", "bird", "cat", "deer",
                                                                    "dog", "frog", "horse", "ship", "truck")],
                             b"num_cases_per_batch": PER_BATCH, b"num_vis": 3072}
    files.update(override or {})
    return {k: v for k, v in files.items() if k not in drop}


def _write_targz(path, files):
    with tarfile.open(path, "w:gz") as tar:
        for name, obj in files.items():
            blob = obj if isinstance(obj, bytes) else pickle.dumps(obj, protocol=2)
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    return path


def test_prepares_the_real_format(tmp_path):
    files = _files()
    archive = _write_targz(tmp_path / "cifar-10-python.tar.gz", files)
    prepare_cifar10(archive, tmp_path / "out", expected_train=5 * PER_BATCH, expected_test=N_TEST)
    d = load_arrays(tmp_path / "out")
    assert d["x_train"].shape == (5 * PER_BATCH, 32, 32, 3) and d["x_train"].dtype == np.uint8
    assert d["x_test"].shape == (N_TEST, 32, 32, 3)
    raw = np.concatenate([files[f"data_batch_{i}"][b"data"] for i in range(1, 6)])
    labels = sum((files[f"data_batch_{i}"][b"labels"] for i in range(1, 6)), [])
    assert d["y_train"].tolist() == labels and d["y_test"].tolist() == files["test_batch"][b"labels"]
    # channel-major rows: value (c, r, col) sits at c * 1024 + r * 32 + col
    i, r, col = 7, 5, 30
    assert [int(d["x_train"][i, r, col, c]) for c in range(3)] == [int(raw[i, c * 1024 + r * 32 + col]) for c in range(3)]
    assert d["meta"]["name"] == "cifar10" and d["meta"]["label_names"][9] == "truck"


def test_extracted_folder_gives_the_same_arrays(tmp_path):
    files = _files(seed=1)
    archive = _write_targz(tmp_path / "c.tar.gz", files)
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path / "x", filter="data")
    a = read_cifar10(archive, expected_train=30, expected_test=4)
    b = read_cifar10(tmp_path / "x", expected_train=30, expected_test=4)
    c = read_cifar10(tmp_path / "x" / "cifar-10-batches-py", expected_train=30, expected_test=4)
    for k in ("x_train", "y_train", "x_test", "y_test"):
        assert np.array_equal(a[k], b[k]) and np.array_equal(a[k], c[k])


def test_missing_archive_names_key_and_url(tmp_path):
    with pytest.raises(DatasetError, match=r"data\.cifar10\.archive.*https://www\.cs\.toronto\.edu/~kriz/cifar-10-python\.tar\.gz"):
        prepare_cifar10(tmp_path / "nope.tar.gz", tmp_path / "out")


def test_truncated_archive(tmp_path):
    archive = _write_targz(tmp_path / "c.tar.gz", _files())
    blob = archive.read_bytes()
    archive.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(DatasetError, match="truncated|corrupt"):
        read_cifar10(archive, expected_train=30, expected_test=4)


def test_missing_batch_is_named(tmp_path):
    archive = _write_targz(tmp_path / "c.tar.gz", _files(drop=("data_batch_3",)))
    with pytest.raises(DatasetError, match="data_batch_3"):
        read_cifar10(archive, expected_train=30, expected_test=4)


def test_wrong_shape_and_counts(tmp_path):
    bad = _files()
    bad["data_batch_2"][b"data"] = bad["data_batch_2"][b"data"][:, :3000]
    with pytest.raises(DatasetError, match="3072"):
        read_cifar10(_write_targz(tmp_path / "a.tar.gz", bad), expected_train=30, expected_test=4)
    short = _files()
    short["test_batch"][b"labels"] = short["test_batch"][b"labels"][:-1]
    with pytest.raises(DatasetError, match="labels for"):
        read_cifar10(_write_targz(tmp_path / "b.tar.gz", short), expected_train=30, expected_test=4)
    # the defaults are the official counts
    with pytest.raises(DatasetError, match="50000"):
        read_cifar10(_write_targz(tmp_path / "c.tar.gz", _files()))


def test_corrupt_pickle_and_foreign_objects_are_refused(tmp_path):
    with pytest.raises(DatasetError, match="pickle"):
        read_cifar10(_write_targz(tmp_path / "a.tar.gz", _files(override={"data_batch_1": b"not a pickle"})),
                     expected_train=30, expected_test=4)

    class Evil:
        def __reduce__(self):
            import os
            return (os.getcwd, ())

    with pytest.raises(DatasetError, match="unexpected object"):
        read_cifar10(_write_targz(tmp_path / "b.tar.gz", _files(override={"batches.meta": Evil()})),
                     expected_train=30, expected_test=4)
