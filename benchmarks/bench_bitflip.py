"""Benchmark of the bit-flipping runs: compiled kernel vs the plain PyTorch reference, and the whole grid.

    python -m benchmarks.bench_bitflip                 # paper grid (4 widths x 5 seeds x 5M samples) on 2 processes
    python -m benchmarks.bench_bitflip --preset small  # the small preset's grid
    python -m benchmarks.bench_bitflip --no-grid       # only the per-run speeds

Prints samples/s of the reference (nn.Module + autograd + optim.SGD + lop.methods.cbp, float64) and of the kernel
for each width in both phases (SGD, SGD + CBP, metrics on), then the wall time of the whole grid with
`--processes` worker processes, and the phase summary the figures show (rank, duplicates, dead, loss).
"""
from __future__ import annotations

import argparse
import copy
import os
import time
from multiprocessing import get_context

import numpy as np


def _params(preset: str) -> dict:
    from lop.config import resolve_config

    return copy.deepcopy(resolve_config(preset=preset)["bitflip"])


def _speed(p: dict, width: int, n: int, engine: str, cbp: bool) -> float:
    from lop.train import bitflip as bf

    q = copy.deepcopy(p)
    q["switch"] = 0.0 if cbp else 1.0
    q["metrics"]["gaussianity_every"] = 0
    run = bf.run_fast if engine == "numba" else bf.run_reference
    t = time.perf_counter()
    run(q, width, seed=0, n_samples=n)
    return n / (time.perf_counter() - t)


def _grid_task(args):
    p, width, seed = args
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from lop.train import bitflip as bf

    t = time.perf_counter()
    res = bf.run_fast(p, width, seed)
    wall = time.perf_counter() - t
    every, n, start, w = p["metrics"]["every"], res["n_samples"], res["cbp_start"], p["figure"]["phase_window"]
    steps = res["steps"]
    sgd = (steps > start - w) & (steps <= start)
    cbp = steps > n - w
    summary = {name: (float(res["metrics"][sgd, k].mean()), float(res["metrics"][cbp, k].mean()))
               for k, name in enumerate(("rank", "dup", "dead"))}
    summary["loss"] = (float(res["loss"][sgd].mean()), float(res["loss"][cbp].mean()))
    return width, seed, wall, n, summary


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="paper", help="config preset whose bitflip grid is timed (default paper)")
    ap.add_argument("--processes", type=int, default=2, help="worker processes for the grid (default 2)")
    ap.add_argument("--ref-samples", type=int, default=3000, help="samples timed for the torch reference")
    ap.add_argument("--kernel-samples", type=int, default=300_000, help="samples timed per kernel measurement")
    ap.add_argument("--no-grid", action="store_true", help="skip the full grid")
    args = ap.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import torch

    torch.set_num_threads(1)
    from lop.train import bitflip as bf

    p = _params(args.preset)
    print(f"bit-flipping benchmark, preset {args.preset}: widths {p['widths']}, seeds {p['seeds']}, "
          f"{p['n_samples']:,} samples/run, CBP from {p['switch']:g}, metrics every {p['metrics']['every']} "
          f"on {p['metrics']['probe_size']} probe samples; one CPU thread per process; load {os.getloadavg()[0]:.2f}")
    bf.run_fast(p, 5, 0, n_samples=2 * p["metrics"]["every"])  # JIT compile / cache load outside the timings
    print(f"{'width':>6} {'phase':>9} {'reference/s':>12} {'kernel/s':>12} {'speed-up':>9}")
    for w in p["widths"]:
        for cbp in (False, True):
            ref = _speed(p, w, args.ref_samples, "torch", cbp)
            fast = _speed(p, w, args.kernel_samples, "numba", cbp)
            print(f"{w:>6} {'SGD+CBP' if cbp else 'SGD':>9} {ref:>12,.0f} {fast:>12,.0f} {fast / ref:>8.0f}x")

    if args.no_grid:
        return
    tasks = sorted(((p, w, s) for w in p["widths"] for s in p["seeds"]), key=lambda t: -t[1])  # big first
    total = p["n_samples"] * len(tasks)
    print(f"\ngrid: {len(tasks)} runs, {total:,} samples, {args.processes} processes ...", flush=True)
    t0 = time.perf_counter()
    with get_context("spawn").Pool(args.processes) as pool:
        out = list(pool.imap_unordered(_grid_task, tasks))
    wall = time.perf_counter() - t0
    for width, seed, run_wall, n, _ in sorted(out, key=lambda r: (r[0], r[1])):
        print(f"  width {width:>3} seed {seed}: {run_wall:6.1f} s  {n / run_wall:>10,.0f} samples/s")
    ref_w = max(p["widths"])
    ref_rate = _speed(p, ref_w, args.ref_samples, "torch", True)
    print(f"grid wall time {wall:.1f} s on {args.processes} processes = {total / wall:,.0f} samples/s "
          f"(reference at width {ref_w}: {ref_rate:,.0f} samples/s/process -> the grid would take "
          f"~{total / ref_rate / args.processes / 3600:.1f} h)")
    print("\nphase summary (last window of each phase, mean +- std over seeds): SGD -> CBP")
    for w in p["widths"]:
        rows = [r[4] for r in out if r[0] == w]
        parts = []
        for k in ("rank", "dup", "dead", "loss"):
            a = np.array([r[k] for r in rows])
            parts.append(f"{k} {a[:, 0].mean():.3g}+-{a[:, 0].std():.2g} -> {a[:, 1].mean():.3g}+-{a[:, 1].std():.2g}")
        print(f"  width {w:>3}: " + "; ".join(parts))


if __name__ == "__main__":
    main()
