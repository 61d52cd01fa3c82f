"""Projected device-hours of the paper grid from measured throughput and the planned runs.

    python -m benchmarks.bench projection [--rates bench.json] [--figures fig3_1 ...]

The run list is the figure registry's (lop.figures), the same list the Snakefile schedules from, each
run once however many figures read it. Each continual run costs steps / rate + probes x probe time at
its arch's measured rate; each cloning run costs its stage-1 steps at the base rate plus its stage-2
steps at the clone+base rate (about 3x a base step: the clone is 2x wide, so ~4x the FLOPs of its
matmuls, plus the base); bit flipping is a CPU job and is listed separately. The floor is the same
work at the device's measured matmul peak.
"""
from __future__ import annotations

import json
import math
from collections import Counter

from lop.config import resolve_config
from lop.figures import NAMES, of_family

CLONE_STEP_COST = 3.0  # clone (2x width: ~4x matmul FLOPs) + base (1x) relative to a base step, conservatively


def planned_runs(figures, cfg) -> list[tuple[str, str]]:
    """[(family, arch)] of every GPU training run the given figures read under `cfg`, each run once."""
    runs = {}
    for family in ("continual", "cloning"):
        for f in of_family(family):
            if f.name in figures:
                for c in f.cells(cfg):
                    for s in cfg[family]["seeds"]:
                        runs[(family, c["arch"], c["variant"], s)] = (family, c["arch"])
    return list(runs.values())


def continual_cost(cfg, arch, rate, probe_s) -> tuple[float, float]:
    cc = cfg["continual"]
    if cc["protocol"] != "paper":
        raise ValueError("projection supports the paper protocol (upstream's epoch count depends on the data)")
    steps = cc["num_tasks"] * cc["steps_per_task"]
    probes = steps / cc["probe"]["every"] + cc["num_tasks"]
    return steps / rate + probes * probe_s, steps


def cloning_steps(cfg) -> tuple[int, int]:
    c = cfg["cloning"]
    per_epoch = math.ceil(50_000 / c["batch_size"])  # CIFAR-10 train split
    s1 = c["stage1_steps"] or c["stage1_epochs"] * per_epoch
    s2 = c["stage2_steps"] or c["stage2_epochs"] * per_epoch
    return s1, s2


def project(rates: dict, runs, cfg) -> dict:
    """rates: {"continual": {arch: {"steps_per_s", "probe_s", "floor_steps_per_s"}}}; runs: planned_runs()."""
    hours, floor = Counter(), Counter()
    counts = Counter(family for family, _ in runs)
    for family, arch in runs:
        r = rates["continual"][arch]
        if family == "continual":
            t, steps = continual_cost(cfg, arch, r["steps_per_s"], r["probe_s"])
        else:
            s1, s2 = cloning_steps(cfg)
            steps = s1 + CLONE_STEP_COST * s2
            t = steps / r["steps_per_s"]
        hours[(family, arch)] += t / 3600
        floor[(family, arch)] += steps / r["floor_steps_per_s"] / 3600
    return {"hours": hours, "floor": floor, "counts": counts}


def main(args, rest, measure):
    """`measure(args) -> rows`: the continual benchmark (benchmarks.bench passes it in; no import back to it)."""
    import argparse

    p = argparse.ArgumentParser(prog="python -m benchmarks.bench projection")
    p.add_argument("--rates", help="JSON written by `python -m benchmarks.bench continual --scales paper --json F`")
    p.add_argument("--figures", nargs="+", default=list(NAMES), choices=NAMES)
    a = p.parse_args(rest)
    if a.rates:
        bench = json.load(open(a.rates))
    else:
        args.scales, args.json = ["paper"], None
        bench = {"rows": measure(args)}
    rates = {"continual": {r["arch"]: {"steps_per_s": r["steps_per_s"], "probe_s": r["probe_s"],
                                       "floor_steps_per_s": r["flop_floor_steps_per_s"]}
                           for r in bench["rows"] if r["scale"] == "paper"}}
    cfg = resolve_config(preset="paper")
    res = project(rates, planned_runs(a.figures, cfg), cfg)
    print("planned runs:", dict(res["counts"]))
    total = sum(res["hours"].values())
    for key in sorted(res["hours"]):
        print(f"  {key[0]:9s} {key[1]:6s}: {res['hours'][key]:9.1f} device-h (floor {res['floor'][key]:8.1f} h)")
    print(f"total: {total:.1f} device-hours on {bench['rows'][0]['device']} "
          f"(floor {sum(res['floor'].values()):.1f} h); bit flipping runs on CPUs (python -m benchmarks.bench bitflip)")
