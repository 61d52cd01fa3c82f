"""Benchmark: clone + base training steps per second (one stage-2 step = one SGD step of the base AND
one of its x2 clone on the same augmented batch), per arch, at the small and paper input shapes.

    python -m benchmarks.bench_cloning [--shapes small paper] [--archs mlp cnn resnet vit] [--seconds 10]

Small shape: synthetic 16x16x3, 10 classes, `presets.small` model sizes and batch size; paper shape:
CIFAR-10 32x32x3, 10 classes, the paper's model sizes, batch 128. Data are random device tensors pushed
through the real on-device augmentation; timing syncs the device only around the timed loop.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from lop.cloning import clone_model
from lop.config import resolve_config
from lop.data.device import DeviceImages
from lop.train.cloning import make_optimizer, train_step
from lop.train.runtime import pick_device
from lop.models import build_model, count_params


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def bench_arch(arch: str, cfg: dict, image_size: int, device, seconds: float = 10.0, warmup: int = 1,
               max_steps: int = 200) -> dict:
    ccfg = cfg["cloning"]
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    n = max(ccfg["batch_size"] * 4, 512)
    images = DeviceImages(rng.integers(0, 256, (n, image_size, image_size, 3), dtype=np.uint8),
                          rng.integers(0, 10, n), device)
    base = build_model(arch, in_shape=images.shape, num_classes=10, norm=ccfg["norm"][arch],
                       **cfg["models"][arch]).to(device)
    clone = clone_model(base, factor=ccfg["factor"]).to(device)
    opts = [make_optimizer(m.parameters(), {"method": "sgd"}, ccfg) for m in (base, clone)]  # the trainer's
    g = torch.Generator(device=device).manual_seed(0)
    aug = dict(ccfg["augment"])

    def step():
        idx = torch.randint(0, n, (ccfg["batch_size"],), device=device, generator=g)
        x, y = images.batch(idx, augment=aug, generator=g)
        for m, o in zip((base, clone), opts):
            train_step(m, o, x, y)

    for _ in range(warmup):
        step()
    _sync(device)
    t0, steps = time.perf_counter(), 0
    while steps < max_steps and (time.perf_counter() - t0 < seconds or steps < 1):
        step()
        steps += 1
        if steps % 10 == 0:
            _sync(device)
    _sync(device)
    dt = time.perf_counter() - t0
    return {"arch": arch, "image": image_size, "batch": ccfg["batch_size"], "steps": steps,
            "steps_per_s": steps / dt, "params_base": count_params(base), "params_clone": count_params(clone)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shapes", nargs="+", default=["small", "paper"], choices=["small", "paper"])
    ap.add_argument("--archs", nargs="+", default=["mlp", "cnn", "resnet", "vit"])
    ap.add_argument("--seconds", type=float, default=10.0, help="time budget per (shape, arch)")
    ap.add_argument("--device", default=None, help="override config `device` (auto | cpu | cuda)")
    a = ap.parse_args(argv)
    device = None
    print(f"{'shape':6} {'arch':7} {'image':>5} {'batch':>5} {'steps':>5} {'steps/s':>9}  params base/clone")
    for shape in a.shapes:
        cfg = resolve_config(preset=shape)
        if a.device:
            cfg["device"] = a.device
        device = pick_device(cfg["device"])
        size = cfg["data"]["synthetic"]["image_size"] if cfg["cloning"]["dataset"] == "synthetic" else 32
        for arch in a.archs:
            r = bench_arch(arch, cfg, size, device, seconds=a.seconds)
            print(f"{shape:6} {arch:7} {r['image']:5d} {r['batch']:5d} {r['steps']:5d} {r['steps_per_s']:9.2f}  "
                  f"{r['params_base']}/{r['params_clone']}", flush=True)
    print(f"device: {device} ({torch.cuda.get_device_name(device) if device.type == 'cuda' else 'cpu, threads=%d' % torch.get_num_threads()})")


if __name__ == "__main__":
    main()
