"""Benchmark of the CPU tiers: per family, what `snakemake all` at each tier trains and how long it takes here.

    python -m benchmarks.bench_tiers                          # tiers cpu, decisive, small
    python -m benchmarks.bench_tiers --tiers cpu --families continual

Measures on this machine, one thread per process (as the training jobs run):
  - the per-process start-up cost (a fresh interpreter importing torch, pandas and the training modules),
    wall and CPU, paid once per Snakemake job;
  - continual learning: seconds per training step and per probe for every (arch, norm) the tier trains
    (real models, real on-device augmentation, the tier's batch and probe sizes);
  - cloning: seconds per stage-1 step (base alone) and stage-2 step (base + x`factor` clone);
  - bit flipping: samples/s of the compiled kernel per width, SGD and SGD + CBP.
Then prices each tier's plan for `all` (the cells the figures read x seeds x steps, probes counted at the
training loop's cadence) and prints per family: runs, jobs, steps, steps/s, CPU seconds, and the wall
time on `--cores` cores if the jobs packed perfectly (a lower bound; Snakemake's benchmark files give the
real one). Excluded: data preparation, the cloning probes, figure tables and renders, the audit.

These are extrapolations from short measurements, not timings of the tier: on a shared machine say so.
Numbers, not assertions (docs/performance.md records them with the command).
"""
from __future__ import annotations

import argparse
import copy
import os
import resource
import subprocess
import sys
import time

import torch

STARTUP_IMPORTS = "import torch, pandas, lop.train.continual, lop.train.cloning, lop.probing"
TIERS = ("cpu", "decisive", "small")


def startup_cost(reps: int = 3) -> tuple[float, float]:
    """(wall s, CPU s) of a fresh interpreter importing what a training job imports; median of `reps`."""
    walls, cpus = [], []
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    for _ in range(reps):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", STARTUP_IMPORTS], check=True, env=env)
        walls.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return sorted(walls)[reps // 2], sorted(cpus)[reps // 2]


def probe_count(num_tasks: int, steps_per_task: int, every: int) -> int:
    """Probes of one continual run: after every `every`-th step and after each task's last step
    (the cadence of lop.train.continual.run_continual, which counts steps from 1)."""
    n = 0
    for t in range(num_tasks):
        for k in range(steps_per_task):
            done = t * steps_per_task + k + 1
            n += done % every == 0 or k == steps_per_task - 1
    return n


def _cells(family: str, cfg: dict) -> list[tuple[str, str]]:
    """(arch, variant) cells the family's figures read (lop.figures; each trained once, for every seed)."""
    from lop.figures import of_family

    return list(dict.fromkeys((c["arch"], c["variant"]) for f in of_family(family) for c in f.cells(cfg)))


def _jobs(family: str, cfg: dict) -> int:
    """Snakemake jobs the family's runs take under its `job_group` (lop.jobs)."""
    from lop.jobs import job_templates

    group = cfg[family]["job_group"]
    cells = _cells(family, cfg)
    if group == "arch":
        return len(job_templates(family, cfg))
    return len(cells) * (1 if group == "cell" else len(cfg[family]["seeds"]))


def continual_plan(cfg: dict) -> list[tuple[str, str]]:
    """(arch, variant) cells the 7 continual figures read."""
    return _cells("continual", cfg)


def cloning_plan(cfg: dict) -> list[tuple[str, str]]:
    """(arch, variant) cells the 9 cloning figures read."""
    return _cells("cloning", cfg)


def measure_continual(cfg: dict, arch: str, norm: str, steps: int) -> dict:
    from benchmarks.bench import bench_continual_arch

    size = cfg["data"]["synthetic"]["image_size"]  # the CPU tiers train on the synthetic images
    return bench_continual_arch(cfg, arch, (3, size, size), torch.device("cpu"), steps=steps, probes=3, norm=norm,
                                clock=time.process_time)


def measure_cloning(cfg: dict, arch: str, steps: int) -> dict:
    """CPU seconds per stage-1 step (base alone) and per stage-2 step (base + clone), SGD, real augmentation."""
    import numpy as np

    from lop.cloning import clone_model
    from lop.data.device import DeviceImages
    from lop.train.cloning import make_optimizer, train_step
    from lop.models import build_model

    ccfg, size = cfg["cloning"], cfg["data"]["synthetic"]["image_size"]
    rng = np.random.default_rng(0)
    n = max(ccfg["batch_size"] * 4, 512)
    images = DeviceImages(rng.integers(0, 256, (n, size, size, 3), dtype=np.uint8), rng.integers(0, 10, n),
                          torch.device("cpu"))
    torch.manual_seed(0)
    base = build_model(arch, in_shape=images.shape, num_classes=10, norm=ccfg["norm"][arch], **cfg["models"][arch])
    clone = clone_model(base, factor=ccfg["factor"])
    opts = [make_optimizer(m.parameters(), {"method": "sgd"}, ccfg) for m in (base, clone)]  # the trainer's
    g = torch.Generator().manual_seed(0)

    def timed(models):
        def step():
            x, y = images.batch(torch.randint(0, n, (ccfg["batch_size"],), generator=g),
                                augment=dict(ccfg["augment"]), generator=g)
            for m, o in models:
                train_step(m, o, x, y)
        step()
        t = time.process_time()
        for _ in range(steps):
            step()
        return (time.process_time() - t) / steps

    return {"stage1_s": timed([(base, opts[0])]), "stage2_s": timed(list(zip((base, clone), opts)))}


def measure_bitflip(p: dict, n: int) -> dict:
    """{width: (SGD samples per CPU second, SGD + CBP samples per CPU second)} of the compiled kernel."""
    from lop.train import bitflip as bf

    bf.run_fast(p, 5, 0, n_samples=2 * p["metrics"]["every"])  # JIT compile / cache load outside the timings

    def speed(width, cbp):
        q = copy.deepcopy(p)
        q["switch"] = 0.0 if cbp else 1.0
        q["metrics"]["gaussianity_every"] = 0
        t = time.process_time()
        bf.run_fast(q, width, seed=0, n_samples=n)
        return n / (time.process_time() - t)

    return {w: (speed(w, False), speed(w, True)) for w in p["widths"]}


def price_tier(name: str, args, cache: dict, startup_cpu: float) -> list[dict]:
    from lop.config import resolve_config

    cfg = resolve_config(preset=name)
    rows = []
    if "continual" in args.families:
        cc = cfg["continual"]
        cells = continual_plan(cfg)
        seeds = len(cc["seeds"])
        steps = cc["num_tasks"] * cc["steps_per_task"]
        probes = probe_count(cc["num_tasks"], cc["steps_per_task"], cc["probe"]["every"])
        cpu = 0.0
        for arch, variant in cells:
            norm = variant.split("_")[0].split("-")[0]  # affine and dropout do not change the cost much
            key = ("continual", arch, norm, cc["batch_size"][arch], cc["probe"]["size"], str(cfg["models"][arch]))
            if key not in cache:
                cache[key] = measure_continual(cfg, arch, norm, args.steps)
            m = cache[key]
            cpu += seeds * (steps / m["steps_per_s"] + probes * m["probe_s"])
        jobs = _jobs("continual", cfg)
        rows.append(_row(name, "continual", len(cells) * seeds, jobs, len(cells) * seeds * steps, cpu,
                         jobs * startup_cpu, args.cores))
    if "cloning" in args.families:
        ccfg = cfg["cloning"]
        cells = cloning_plan(cfg)
        seeds = len(ccfg["seeds"])
        s1, s2 = ccfg["stage1_steps"], ccfg["stage2_steps"]
        if s1 is None or s2 is None:
            raise SystemExit(f"tier {name}: cloning stage lengths are epochs; this benchmark prices step counts")
        cpu = 0.0
        for arch, _ in cells:
            key = ("cloning", arch, ccfg["batch_size"], str(cfg["models"][arch]))
            if key not in cache:
                cache[key] = measure_cloning(cfg, arch, args.steps)
            cpu += seeds * (s1 * cache[key]["stage1_s"] + s2 * cache[key]["stage2_s"])
        jobs = _jobs("cloning", cfg)
        rows.append(_row(name, "cloning", len(cells) * seeds, jobs, len(cells) * seeds * (s1 + s2), cpu,
                         jobs * startup_cpu, args.cores))
    if "bitflip" in args.families:
        p = cfg["bitflip"]
        key = ("bitflip", str(p["stream"]), str(p["metrics"]), str(p["cbp"]), tuple(p["widths"]))
        if key not in cache:
            cache[key] = measure_bitflip(p, args.bitflip_samples)
        n, sw = p["n_samples"], p["switch"]
        cpu = len(p["seeds"]) * sum(sw * n / sgd + (1 - sw) * n / cbp for sgd, cbp in cache[key].values())
        jobs = len(p["seeds"])  # one job per seed runs every width
        rows.append(_row(name, "bitflip", jobs * len(p["widths"]), jobs, jobs * len(p["widths"]) * n, cpu,
                         jobs * startup_cpu, args.cores, unit="samples"))
    return rows


def _row(tier, family, runs, jobs, steps, train_cpu, startup_cpu, cores, unit="steps") -> dict:
    cpu = train_cpu + startup_cpu
    return {"tier": tier, "family": family, "runs": runs, "jobs": jobs, "unit": unit, "steps": steps,
            "steps_per_s": steps / train_cpu, "train_cpu_s": train_cpu, "startup_cpu_s": startup_cpu,
            "cpu_s": cpu, "wall_s": cpu / min(cores, jobs)}


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m benchmarks.bench_tiers", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tiers", nargs="+", default=list(TIERS))
    ap.add_argument("--families", nargs="+", default=["continual", "cloning", "bitflip"],
                    choices=["continual", "cloning", "bitflip"])
    ap.add_argument("--steps", type=int, default=20, help="timed training steps per continual (arch, norm) and cloning arch")
    ap.add_argument("--bitflip-samples", type=int, default=200_000, help="kernel samples timed per width/phase")
    ap.add_argument("--cores", type=int, default=2, help="cores the wall-time bound assumes (snakemake -c)")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    t0, c0 = time.perf_counter(), time.process_time()
    wall, cpu = startup_cost()
    print(f"per-process start-up ({STARTUP_IMPORTS}): {wall:.2f} s wall, {cpu:.2f} s CPU; "
          f"load average {os.getloadavg()[0]:.2f}", flush=True)
    cache: dict = {}
    rows = []
    print(f"{'tier':9} {'family':9} {'runs':>5} {'jobs':>5} {'steps':>12} {'steps/s':>10} {'train CPU s':>12} "
          f"{'start-up s':>10} {'CPU s':>8} {'wall s >=':>9} (on {args.cores} cores)")
    for tier in args.tiers:
        for r in price_tier(tier, args, cache, cpu):
            rows.append(r)
            print(f"{r['tier']:9} {r['family']:9} {r['runs']:5d} {r['jobs']:5d} {r['steps']:12,d} "
                  f"{r['steps_per_s']:10,.1f} {r['train_cpu_s']:12.0f} {r['startup_cpu_s']:10.0f} "
                  f"{r['cpu_s']:8.0f} {r['wall_s']:9.0f}", flush=True)
        tier_rows = [r for r in rows if r["tier"] == tier]
        print(f"{tier:9} {'total':9} {'':>5} {sum(r['jobs'] for r in tier_rows):5d} {'':>12} {'':>10} {'':>12} {'':>10} "
              f"{sum(r['cpu_s'] for r in tier_rows):8.0f} {sum(r['cpu_s'] for r in tier_rows) / args.cores:9.0f}")
    print(f"benchmark itself: {time.perf_counter() - t0:.0f} s wall, {time.process_time() - c0:.0f} s CPU "
          f"(wall >> CPU means other processes shared the cores); torch threads {torch.get_num_threads()}")
    return rows


if __name__ == "__main__":
    main()
