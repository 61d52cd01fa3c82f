"""Benchmarks: throughput of the training loops and metric probes on the current device.

    python -m benchmarks.bench                    # continual learning: steps/s and probe cost per arch, small + paper shapes
    python -m benchmarks.bench continual --amp --compile --channels-last   # with the GPU switches
    python -m benchmarks.bench bitflip            # bit-flipping fast path vs reference (benchmarks.bench_bitflip)
    python -m benchmarks.bench cloning            # clone+base steps/s (benchmarks.bench_cloning)
    python -m benchmarks.bench projection         # projected GPU-hours of the paper grid from measured rates
    python -m benchmarks.bench_tiers              # per-family CPU time of `all` at each CPU tier

Numbers, not assertions: speed targets are checked by reading this output, never by timed tests.
Measured numbers are recorded in docs/performance.md with the command and the machine.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import torch

from lop.config import resolve_config
from lop.data.device import DeviceImages, PaddedSubset
from lop.train.runtime import make_optimizer, training_forward
from lop.models import build_model
from lop.probing import probe_metrics

SHAPES = {"small": (3, 16, 16), "paper": (3, 64, 64)}


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def matmul_peak_flops(device, dtype=torch.float32, n=2048, reps=10) -> float:
    """Measured dense matmul throughput (FLOP/s): the device's practical FLOP ceiling for the floor."""
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    a @ b
    _sync(device)
    t = time.perf_counter()
    for _ in range(reps):
        a @ b
    _sync(device)
    return 2 * n ** 3 * reps / (time.perf_counter() - t)


def train_flops(model, x, active) -> float:
    """FLOPs of one training step (forward + backward) counted by torch's FlopCounterMode."""
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as fc:
        torch.nn.functional.cross_entropy(model(x)[:, active], torch.zeros(len(x), dtype=torch.long, device=x.device)).backward()
    model.zero_grad(set_to_none=True)
    return float(fc.get_total_flops())


def bench_continual_arch(cfg, arch, shape, device, steps=20, probes=3, perf=None, norm="none",
                         clock=time.perf_counter) -> dict:
    """Steps/s and probe seconds of one arch; `clock=time.process_time` measures CPU time (1-thread CPU
    runs on a shared machine), the default wall time."""
    cc = cfg["continual"]
    perf = perf or cfg["performance"]
    batch = cc["batch_size"][arch]
    n = max(4 * batch, cc["probe"]["size"])
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 256, (n, shape[1], shape[2], shape[0]), generator=g, dtype=torch.uint8).numpy()
    y = (torch.arange(n) % 5).numpy()
    data = DeviceImages(x, y, device)
    model = build_model(arch, in_shape=shape, num_classes=200, norm=norm, **cfg["models"][arch]).to(device)
    opt = make_optimizer("adam", model.parameters(), 1e-4)  # the trainer's (fused where torch has it)
    forward = training_forward(model, arch, perf, device)
    active = torch.arange(5, device=device)
    idx = torch.arange(batch, device=device)
    batches = PaddedSubset(data, torch.arange(n, device=device), cc["augment"])  # as the trainer draws them
    flops = train_flops(model, data.batch(idx)[0], active)

    def step():
        xb, yb = batches.batch(idx)
        loss = torch.nn.functional.cross_entropy(forward(xb)[:, active], yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    for _ in range(3):  # warm-up (and compilation)
        step()
    _sync(device)
    t = clock()
    for _ in range(steps):
        step()
    _sync(device)
    step_s = (clock() - t) / steps
    px, py = data.batch(torch.arange(cc["probe"]["size"], device=device))
    probe_metrics(model, px, py, active, cc["thresholds"], cc["probe"]["max_rank_rows"])
    _sync(device)
    t = clock()
    for _ in range(probes):
        probe_metrics(model, px, py, active, cc["thresholds"], cc["probe"]["max_rank_rows"])
    _sync(device)
    probe_s = (clock() - t) / probes
    return {"arch": arch, "shape": "x".join(map(str, shape)), "batch": batch, "steps_per_s": 1 / step_s,
            "probe_s": probe_s, "probe_overhead": probe_s / (cc["probe"]["every"] * step_s),
            "train_flops_per_step": flops}


def run_continual_bench(args) -> list[dict]:
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    peak = matmul_peak_flops(device, torch.bfloat16 if (args.amp and device.type == "cuda") else torch.float32)
    rows = []
    for scale in args.scales:
        cfg = resolve_config(preset="small" if scale == "small" else "paper")
        perf = {"amp_bf16": args.amp, "channels_last": args.channels_last, "compile": args.compile}
        for arch in args.archs:
            r = bench_continual_arch(cfg, arch, SHAPES[scale], device, steps=args.steps, perf=perf)
            r["scale"], r["device"] = scale, str(device)
            r["flop_floor_steps_per_s"] = peak / r["train_flops_per_step"]
            r["x_of_floor"] = r["flop_floor_steps_per_s"] / r["steps_per_s"]
            rows.append(r)
            print(f"{scale:5s} {arch:6s} {r['shape']:8s} batch {r['batch']:3d}: {r['steps_per_s']:8.2f} steps/s, "
                  f"probe {r['probe_s'] * 1e3:8.1f} ms ({100 * r['probe_overhead']:5.1f}% at every={cfg['continual']['probe']['every']}), "
                  f"{r['train_flops_per_step'] / 1e9:8.2f} GFLOP/step, {r['x_of_floor']:6.1f}x FLOP floor", flush=True)
    print(f"device {device}, measured matmul peak {peak / 1e12:.2f} TFLOP/s, torch threads {torch.get_num_threads()}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"peak_flops": peak, "rows": rows}, fh, indent=2)
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("what", nargs="?", default="continual", choices=["continual", "bitflip", "cloning", "projection"])
    p.add_argument("--device", default=None)
    p.add_argument("--archs", nargs="+", default=["mlp", "cnn", "resnet", "vit"])
    p.add_argument("--scales", nargs="+", default=["small", "paper"], choices=["small", "paper"])
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--amp", action="store_true", help="bf16 autocast (CUDA)")
    p.add_argument("--compile", action="store_true", help="torch.compile the training forward")
    p.add_argument("--channels-last", action="store_true", help="NHWC for conv nets (CUDA)")
    p.add_argument("--json", help="also write the measurements to this JSON file")
    args, rest = p.parse_known_args(argv)
    if args.what == "continual":
        run_continual_bench(args)
    elif args.what == "bitflip":
        from benchmarks.bench_bitflip import main as bitflip_main
        bitflip_main(rest)
    elif args.what == "cloning":
        from benchmarks.bench_cloning import main as cloning_main
        cloning_main(rest)
    else:
        from benchmarks.projection import main as projection_main
        projection_main(args, rest, measure=run_continual_bench)


if __name__ == "__main__":
    sys.exit(main())
