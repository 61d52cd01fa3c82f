"""Projected device-hours of the paper grid from measured throughput and the planned job list.

    python -m lop.bench projection [--rates bench.json] [--targets figures/fig3_1.pdf ...]

The job list is Snakemake's own plan (`snakemake -n -r --config preset=paper -- <targets>`), so the
projection counts exactly the runs the workflow would schedule (nothing twice). Each continual run costs
steps / rate + probes x probe time at its arch's measured rate; each cloning run costs its stage-1 steps
at the base rate plus its stage-2 steps at the clone+base rate (about 3x a base step: the clone is 2x
wide, so ~4x the FLOPs of its matmuls, plus the base); bit flipping is a CPU job and is listed separately.
The floor is the same work at the device's measured matmul peak.
"""
from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from collections import Counter

from .config import resolve_config
from .provenance import REPO_ROOT

FIGURES = ["fig2_1", "fig3_1", "fig3_2", "fig4_1"] + [f"figB_{i}" for i in range(1, 15)]
CLONE_STEP_COST = 3.0  # clone (2x width: ~4x matmul FLOPs) + base (1x) relative to a base step, conservatively


def planned_jobs(targets, preset="paper") -> list[tuple[str, dict]]:
    """[(rule, wildcards)] of Snakemake's dry-run plan for `targets` at `preset`."""
    cmd = [sys.executable, "-m", "snakemake", "-n", "--forceall", "--config", f"preset={preset}", "--", *targets]
    out = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"snakemake plan failed:\n{out.stderr[-3000:]}")
    jobs, rule = [], None
    for line in out.stdout.splitlines():
        m = re.match(r"^(?:local)?rule (\w+):", line.strip())
        if m:
            rule = m.group(1)
            jobs.append((rule, {}))
        elif line.strip().startswith("wildcards:") and jobs:
            jobs[-1] = (rule, dict(kv.split("=", 1) for kv in line.split(":", 1)[1].strip().split(", ")))
    return jobs


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


def project(rates: dict, jobs, cfg) -> dict:
    """rates: {"continual": {arch: {"steps_per_s", "probe_s", "floor_steps_per_s"}}, "cloning": {arch: {...}}}"""
    hours, floor = Counter(), Counter()
    counts = Counter(r for r, _ in jobs)
    for rule, w in jobs:
        if rule == "continual_run":
            r = rates["continual"][w["arch"]]
            t, steps = continual_cost(cfg, w["arch"], r["steps_per_s"], r["probe_s"])
            hours[("continual", w["arch"])] += t / 3600
            floor[("continual", w["arch"])] += steps / r["floor_steps_per_s"] / 3600
        elif rule.startswith("cloning") and "arch" in w and "seed" in w:
            r = rates.get("cloning", {}).get(w["arch"]) or rates["continual"][w["arch"]]
            s1, s2 = cloning_steps(cfg)
            hours[("cloning", w["arch"])] += (s1 + CLONE_STEP_COST * s2) / r["steps_per_s"] / 3600
            floor[("cloning", w["arch"])] += (s1 + CLONE_STEP_COST * s2) / r["floor_steps_per_s"] / 3600
    return {"hours": hours, "floor": floor, "counts": counts}


def main(args, rest):
    import argparse

    p = argparse.ArgumentParser(prog="python -m lop.bench projection")
    p.add_argument("--rates", help="JSON written by `python -m lop.bench continual --scales paper --json F`")
    p.add_argument("--targets", nargs="+", default=[f"figures/{f}.pdf" for f in FIGURES])
    a = p.parse_args(rest)
    if a.rates:
        bench = json.load(open(a.rates))
    else:
        from .bench import run_continual_bench

        args.scales, args.json = ["paper"], None
        rows = run_continual_bench(args)
        bench = {"rows": rows}
    rates = {"continual": {r["arch"]: {"steps_per_s": r["steps_per_s"], "probe_s": r["probe_s"],
                                       "floor_steps_per_s": r["flop_floor_steps_per_s"]}
                           for r in bench["rows"] if r["scale"] == "paper"}}
    cfg = resolve_config(preset="paper")
    jobs = planned_jobs(a.targets)
    res = project(rates, jobs, cfg)
    print("planned jobs:", dict(res["counts"]))
    total = sum(res["hours"].values())
    for key in sorted(res["hours"]):
        print(f"  {key[0]:9s} {key[1]:6s}: {res['hours'][key]:9.1f} device-h (floor {res['floor'][key]:8.1f} h)")
    print(f"total: {total:.1f} device-hours on {bench['rows'][0]['device']} "
          f"(floor {sum(res['floor'].values()):.1f} h); bit flipping runs on CPUs (python -m lop.bench bitflip)")
