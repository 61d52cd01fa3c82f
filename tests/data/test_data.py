"""Data preparation through the real on-disk formats: Tiny ImageNet archives the test writes in the
official layout (real JPEGs, wnids.txt, val_annotations.txt), the synthetic set, device augmentation."""
import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from lop.data.arrays import load_arrays, save_arrays
from lop.data.device import DeviceImages, PaddedSubset, augment_uint8
from lop.data.synthetic import make_synthetic
from lop.data.tinyimagenet import DatasetError, prepare_tinyimagenet

WNIDS = ["n01443537", "n01629819", "n01641577"]
EXPECT = {"classes": 3, "train_per_class": 4, "val_per_class": 2, "size": 64}


def jpeg(seed, grey=False):
    rng = np.random.default_rng(seed)
    arr = rng.integers(0, 256, size=(64, 64) if grey else (64, 64, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="JPEG", quality=95)
    return buf.getvalue()


def tiny_imagenet_files(n_train=4, n_val=2):
    files = {"tiny-imagenet-200/wnids.txt": "\n".join(WNIDS) + "\n"}
    k = 0
    for w in WNIDS:
        for i in range(n_train):
            files[f"tiny-imagenet-200/train/{w}/images/{w}_{i}.JPEG"] = jpeg(k, grey=(k == 1))
            k += 1
        files[f"tiny-imagenet-200/train/{w}/{w}_boxes.txt"] = ""
    lines = []
    for j in range(n_val * len(WNIDS)):
        files[f"tiny-imagenet-200/val/images/val_{j}.JPEG"] = jpeg(100 + j)
        lines.append(f"val_{j}.JPEG\t{WNIDS[j % len(WNIDS)]}\t0\t0\t63\t63")
    files["tiny-imagenet-200/val/val_annotations.txt"] = "\n".join(lines) + "\n"
    return files


def write_zip(path, files):
    with zipfile.ZipFile(path, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return path


def write_folder(root, files):
    for name, data in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data if isinstance(data, bytes) else data.encode())
    return root / "tiny-imagenet-200"


@pytest.mark.parametrize("form", ["zip", "folder"])
def test_tinyimagenet_prepares_from_official_layout(tmp_path, form):
    files = tiny_imagenet_files()
    src = write_zip(tmp_path / "t.zip", files) if form == "zip" else write_folder(tmp_path / "raw", files)
    prepare_tinyimagenet(src, tmp_path / "out", expected=EXPECT)
    a = load_arrays(tmp_path / "out")
    assert a["x_train"].shape == (12, 64, 64, 3) and a["x_train"].dtype == np.uint8
    assert a["x_test"].shape == (6, 64, 64, 3)
    assert a["y_train"].tolist() == [0] * 4 + [1] * 4 + [2] * 4
    assert a["y_test"].tolist() == [0, 1, 2] * 2
    # pixels are the decoded JPEGs (greyscale converted to RGB)
    ref = np.asarray(Image.open(io.BytesIO(files[f"tiny-imagenet-200/train/{WNIDS[0]}/images/{WNIDS[0]}_1.JPEG"])).convert("RGB"))
    assert np.array_equal(a["x_train"][1], ref)
    assert a["meta"]["wnids"] == WNIDS


def test_tinyimagenet_missing_archive_names_the_fix(tmp_path):
    with pytest.raises(DatasetError, match="data.tinyimagenet.archive"):
        prepare_tinyimagenet(tmp_path / "nope.zip", tmp_path / "out", expected=EXPECT)


def test_tinyimagenet_truncated_zip_is_rejected_and_leaves_nothing(tmp_path):
    z = write_zip(tmp_path / "t.zip", tiny_imagenet_files())
    blob = z.read_bytes()
    z.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(DatasetError, match="truncated|corrupt|not a readable zip"):
        prepare_tinyimagenet(z, tmp_path / "out", expected=EXPECT)
    assert not any((tmp_path / "out").glob("*.npy")) if (tmp_path / "out").exists() else True


def test_tinyimagenet_wrong_class_count(tmp_path):
    z = write_zip(tmp_path / "t.zip", tiny_imagenet_files())
    with pytest.raises(DatasetError, match="3 classes, expected 200"):
        prepare_tinyimagenet(z, tmp_path / "out")


def test_tinyimagenet_missing_images_detected(tmp_path):
    files = tiny_imagenet_files()
    del files[f"tiny-imagenet-200/train/{WNIDS[2]}/images/{WNIDS[2]}_3.JPEG"]
    with pytest.raises(DatasetError, match="3 training images, expected 4"):
        prepare_tinyimagenet(write_zip(tmp_path / "t.zip", files), tmp_path / "out", expected=EXPECT)


def test_tinyimagenet_corrupt_jpeg_detected(tmp_path):
    files = tiny_imagenet_files()
    files["tiny-imagenet-200/val/images/val_0.JPEG"] = b"not a jpeg"
    with pytest.raises(DatasetError, match="cannot decode"):
        prepare_tinyimagenet(write_zip(tmp_path / "t.zip", files), tmp_path / "out", expected=EXPECT)
    assert not (tmp_path / "out" / "x_test.npy").exists()


def test_synthetic_is_deterministic_and_class_structured():
    x1, y1 = make_synthetic(num_classes=5, per_class=40, image_size=16, seed=3)
    x2, y2 = make_synthetic(num_classes=5, per_class=40, image_size=16, seed=3)
    assert np.array_equal(x1, x2) and np.array_equal(y1, y2)
    assert x1.shape == (200, 16, 16, 3) and x1.dtype == np.uint8
    xt, yt = make_synthetic(num_classes=5, per_class=20, image_size=16, seed=3, split="test")
    assert not np.array_equal(xt[:20], x1[:20])  # fresh samples, same prototypes
    # nearest class mean (train) classifies test samples far above chance (0.2): real class structure
    f = lambda x: x.reshape(len(x), -1).astype(np.float64)
    means = np.stack([f(x1)[y1 == c].mean(0) for c in range(5)])
    pred = np.argmin(((f(xt)[:, None] - means[None]) ** 2).sum(-1), axis=1)
    assert (pred == yt).mean() > 0.6


def test_arrays_roundtrip_and_missing_file_message(tmp_path):
    x, y = make_synthetic(num_classes=2, per_class=3, image_size=8)
    save_arrays(tmp_path / "d", x_train=x, y_train=y, x_test=x, y_test=y, meta={"name": "t"})
    a = load_arrays(tmp_path / "d")
    assert np.array_equal(a["x_train"], x) and a["meta"]["num_classes"] == 2
    (tmp_path / "d" / "y_test.npy").unlink()
    with pytest.raises(FileNotFoundError, match="snakemake"):
        load_arrays(tmp_path / "d")


def test_device_crop_is_a_shifted_window_and_flip_mirrors():
    x = torch.arange(2 * 1 * 6 * 6, dtype=torch.uint8).view(2, 1, 6, 6)
    g = torch.Generator().manual_seed(0)
    out = augment_uint8(x, crop_pad=2, flip=False, generator=g)
    padded = torch.nn.functional.pad(x, (2, 2, 2, 2))
    for b in range(2):
        windows = [padded[b, :, i:i + 6, j:j + 6] for i in range(5) for j in range(5)]
        assert any(torch.equal(out[b], w) for w in windows)
    flipped = augment_uint8(x, crop_pad=0, flip=True, generator=torch.Generator().manual_seed(1))
    for b in range(2):
        assert torch.equal(flipped[b], x[b]) or torch.equal(flipped[b], x[b].flip(-1))


def _per_op_augment(x, *, crop_pad, flip, generator):
    """The augmentation as first written (pad, an advanced-index crop, then a flip by torch.where): the
    reference the one-gather version must equal bitwise, with the same random draws."""
    b, c, h, w = x.shape
    if crop_pad > 0:
        p = crop_pad
        xp = torch.nn.functional.pad(x, (p, p, p, p))
        off = torch.randint(0, 2 * p + 1, (2, b), generator=generator)
        rows = (off[0][:, None] + torch.arange(h))[:, None, :, None]
        cols = (off[1][:, None] + torch.arange(w))[:, None, None, :]
        x = xp[torch.arange(b)[:, None, None, None], torch.arange(c)[None, :, None, None], rows, cols]
    if flip:
        mask = torch.rand(b, generator=generator) < 0.5
        x = torch.where(mask[:, None, None, None], x.flip(-1), x)
    return x


@pytest.mark.parametrize("shape", [(64, 3, 16, 16), (5, 1, 7, 4), (1, 3, 4, 4)])
@pytest.mark.parametrize("crop_pad", [0, 1, 2, 3])
@pytest.mark.parametrize("flip", [False, True])
def test_one_gather_augmentation_equals_the_per_op_one(shape, crop_pad, flip):
    x = torch.randint(0, 256, shape, dtype=torch.uint8, generator=torch.Generator().manual_seed(9))
    g_ref, g = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    ref = _per_op_augment(x, crop_pad=crop_pad, flip=flip, generator=g_ref)
    assert torch.equal(augment_uint8(x, crop_pad=crop_pad, flip=flip, generator=g), ref)
    assert torch.equal(torch.rand(4, generator=g), torch.rand(4, generator=g_ref))  # same draws


@pytest.mark.parametrize("augment", [None, {"crop_pad": 2, "flip": True}, {"crop_pad": 0, "flip": True},
                                     {"crop_pad": 3, "flip": False},
                                     {"crop_pad": 2, "flip": True, "color_jitter": 0.1}])
def test_padded_subset_batches_equal_the_images_batches(augment):
    x, y = make_synthetic(num_classes=4, per_class=10, image_size=8)
    d = DeviceImages(x, y, "cpu")
    idx = d.indices_of([1, 3])
    sub = PaddedSubset(d, idx, augment)
    g_ref, g = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    for _ in range(3):
        pos = torch.randint(0, len(sub), (7,))
        xr, yr = d.batch(idx[pos], augment=augment, generator=g_ref)
        xs, ys = sub.batch(pos, g)
        assert torch.equal(xs, xr) and torch.equal(ys, yr)


def test_device_images_normalise_and_select_classes():
    x, y = make_synthetic(num_classes=3, per_class=4, image_size=8)
    d = DeviceImages(x, y, "cpu")
    assert d.shape == (3, 8, 8)
    idx = d.indices_of([2])
    assert sorted(idx.tolist()) == list(range(8, 12))
    xb, yb = d.batch(idx)
    assert xb.dtype == torch.float32 and yb.tolist() == [2] * 4
    assert abs(xb.mean().item()) < 1.0
