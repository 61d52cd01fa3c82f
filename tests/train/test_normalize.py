"""`cloning.normalize`: ImageNet's statistics (default) or the CIFAR-10 ones the authors used."""
import numpy as np
import torch

from lop.config import resolve_config
from lop.data.cifar10 import CIFAR10_MEAN, CIFAR10_STD
from lop.data.device import DeviceImages
from lop.data.synthetic import make_synthetic
from lop.train.cloning import NORMALIZE, run_cloning


def test_cifar10_statistics_switch():
    x = np.random.default_rng(0).integers(0, 256, size=(3, 4, 4, 3), dtype=np.uint8)
    xb, _ = DeviceImages(x, np.zeros(3), "cpu", *NORMALIZE["cifar10"]).batch(torch.arange(3))
    want = (torch.from_numpy(x).permute(0, 3, 1, 2).double() / 255 - torch.tensor(CIFAR10_MEAN).view(1, 3, 1, 1).double()
            ) / torch.tensor(CIFAR10_STD).view(1, 3, 1, 1).double()
    torch.testing.assert_close(xb.double(), want, rtol=1e-5, atol=1e-5)
    assert resolve_config(preset="paper")["cloning"]["normalize"] == "imagenet"
    assert resolve_config(preset="upstream")["cloning"]["normalize"] == "cifar10"

    cfg = resolve_config(preset="small")
    cfg["cloning"].update(stage1_steps=4, stage2_steps=2, log_every=2, batch_size=8, eval_size=16)
    cfg["cloning"]["probe"]["size"] = 16
    cfg["models"]["mlp"] = {"width": 8, "depth": 2}
    xs, ys = make_synthetic(num_classes=3, per_class=8, image_size=8, seed=0, split="train")
    data = {"x_train": xs, "y_train": ys, "x_test": xs, "y_test": ys, "meta": {"num_classes": 3}}
    loss = {}
    for norm in ("imagenet", "cifar10"):
        cfg["cloning"]["normalize"] = norm
        df = run_cloning(cfg, arch="mlp", variant="sgd", seed=0, data=data, progress=False)
        loss[norm] = df[(df.model == "base") & (df.metric == "test_loss")].value.to_numpy()
    assert not np.allclose(loss["imagenet"], loss["cifar10"])
