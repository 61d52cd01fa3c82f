"""Prepared arrays carry a manifest (shape, dtype, size, SHA-256) in meta.json, checked on every load."""
import json

import numpy as np
import pytest

from lop.data.arrays import PreparedDataError, load_arrays, save_arrays
from lop.data.synthetic import make_synthetic


@pytest.fixture
def folder(tmp_path):
    x, y = make_synthetic(num_classes=3, per_class=4, image_size=8)
    save_arrays(tmp_path / "d", x_train=x, y_train=y, x_test=x, y_test=y, meta={"name": "t"})
    return tmp_path / "d"


def test_manifest_describes_every_array(folder):
    m = json.loads((folder / "meta.json").read_text())["manifest"]
    assert set(m) == {"x_train", "y_train", "x_test", "y_test"}
    assert m["x_train"]["shape"] == [12, 8, 8, 3] and m["x_train"]["dtype"] == "uint8"
    assert m["y_train"]["dtype"] == "int64" and len(m["y_train"]["sha256"]) == 64
    assert m["x_test"]["bytes"] == (folder / "x_test.npy").stat().st_size
    load_arrays(folder)  # a sound folder loads


def test_changed_content_fails_the_checksum(folder):
    f = folder / "x_test.npy"
    blob = bytearray(f.read_bytes())
    blob[-1] ^= 1
    f.write_bytes(bytes(blob))
    with pytest.raises(PreparedDataError, match=r"x_test.npy fails its SHA-256 check.*delete .* and rerun snakemake"):
        load_arrays(folder)


def test_rewritten_array_with_another_shape(folder):
    np.save(folder / "y_test.npy", np.zeros(5, dtype=np.int64))
    with pytest.raises(PreparedDataError, match=r"y_test.npy is \d+ bytes, its manifest says \d+"):
        load_arrays(folder)


def test_folder_without_a_manifest_is_refused(folder):
    meta = json.loads((folder / "meta.json").read_text())
    del meta["manifest"]
    (folder / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(PreparedDataError, match=r"meta.json has no manifest.*delete"):
        load_arrays(folder)
    assert load_arrays(folder, verify=False)["x_train"].shape == (12, 8, 8, 3)  # the explicit opt-out


def test_half_written_meta_json(folder):
    (folder / "meta.json").write_text('{"name": "t", "manif')
    with pytest.raises(PreparedDataError, match=r"meta.json is not valid JSON"):
        load_arrays(folder)
