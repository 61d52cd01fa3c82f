"""Per-step profile of the continual and cloning trainers against bare training steps, per arch, in one
process.

    python -m benchmarks.step_profile                        # the cpu tier's shapes, 4 archs, both families
    python -m benchmarks.step_profile --archs mlp --tasks 3  # longer measured runs, one arch
    python -m benchmarks.step_profile --families cloning     # cloning only
    python -m benchmarks.step_profile --families bitflip     # bit flipping (the compiled kernel), every width

What it measures (CPU time of this process, one torch thread, so the ratios hold on a shared machine):
- bare: one training step and nothing else (forward, cross-entropy on the task's 5 logits, backward,
  default `torch.optim.Adam.step`) on a fixed, already normalised batch of the tier's batch size.
- trainer's step: the same with the optimizer the trainer builds (`lop.train.runtime.make_optimizer`)
  and the trainer's memory layout (`lop.train.runtime.training_forward`: channels-last conv nets where
  config `performance.channels_last` says so, as the CPU tiers do).
- pipeline: `lop.train.continual.run_continual` at the tier's settings (task length, probe cadence,
  augmentation) for `--tasks` tasks, CPU time per step, plus the per-run set-up and write-out amortised
  over a tier run and the process start-up amortised over a tier job (the runs its `job_group` puts in
  one process).
- the breakdown of pipeline - bare: trainer's step (what the trainer's optimizer and layout save or cost
  against the default Adam on a contiguous model), batch (gather + augmentation + normalisation of one
  batch, as the trainer draws it), probe (one probe times the probes per step at the tier's cadence),
  run (per-run set-up and write-out / steps per run), start-up (interpreter, imports and the first
  optimizer step's lazy imports / steps per job) and the rest (the loop's bookkeeping: the method hooks,
  logit selection, the online loss/accuracy buffers, the progress bar, per-task set-up), the remainder
  of the measured loop after the other parts.
- cloning (variant `sgd`), per run: the bare run (stage-1 base steps, then base + clone steps, default
  SGD, a fixed batch) against `lop.train.cloning.run_cloning` (batches, log points with each model's
  test evaluation and the clone probes, set-up and write-out), start-up amortised over a job's runs.
- bit flipping, per width: the bare run (the compiled kernel's SGD + CBP on the stream, metrics once per
  kernel chunk, no non-Gaussianity) against the tier's run (metrics every `metrics.every` samples,
  non-Gaussianity every `gaussianity_every`), CPU us per sample, start-up amortised over a job (every
  width of one seed, the tier's `n_samples` each).

Every quantity is the median of `--rounds` interleaved repetitions. Numbers, not assertions: the
results go to docs/performance.md with this command.
"""
from __future__ import annotations

import argparse
import contextlib
import copy
import io
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from lop.config import resolve_config
from lop.data.arrays import save_arrays
from lop.data.device import DeviceImages, PaddedSubset
from lop.data.synthetic import make_synthetic
from lop.jobs import job_templates
from lop.models import build_model
from lop.probing import probe_metrics
from lop.train.continual import Variant, run_continual, steps_for_task
from lop.train.runtime import make_optimizer, training_forward

ARCHS = ("mlp", "cnn", "resnet", "vit")
# What a training job pays once per process (workflow/scripts/train_continual.py): its imports, and the
# first optimizer step, where torch.optim imports torch._dynamo (about 1.2 CPU s and 160 MB here).
STARTUP = ("import torch, lop.train.continual; from lop.train.runtime import make_optimizer; "
           "m = torch.nn.Linear(2, 2); o = make_optimizer('adam', m.parameters(), 1e-3); "
           "m(torch.ones(1, 2)).sum().backward(); o.step()")
STARTUP_NAME = "imports + first optimizer step"
# A bit-flip job (workflow/scripts/bitflip_run.py) imports no torch: its start-up is the numpy / numba /
# pandas imports and loading the compiled kernel from numba's cache (a short first run).
STARTUP_BITFLIP = ("from lop.config import resolve_config; from lop.train.bitflip import run_fast, to_frame; "
                   "p = resolve_config(preset='small')['bitflip']; run_fast(p, 5, 0, n_samples=p['chunk'])")


def cpu_s(fn, n: int = 1) -> float:
    """CPU seconds of this process per call of fn, over n calls."""
    t = time.process_time()
    for _ in range(n):
        fn()
    return (time.process_time() - t) / n


def startup_cpu_s(code: str = STARTUP) -> float:
    """CPU seconds (user + system) of a fresh interpreter that imports what a training job imports."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", code], check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def make_data(cfg: dict, folder: Path) -> Path:
    s = cfg["data"]["synthetic"]
    x, y = make_synthetic(num_classes=s["num_classes"], per_class=s["train_per_class"], image_size=s["image_size"],
                          seed=s["seed"])
    xt, yt = make_synthetic(num_classes=s["num_classes"], per_class=2, image_size=s["image_size"], seed=s["seed"],
                            split="test")
    save_arrays(folder, x_train=x, y_train=y, x_test=xt, y_test=yt, meta={"name": "synthetic"})
    return folder


class Parts:
    """The isolated pieces of one arch's step at the tier's shapes, each callable alone."""

    def __init__(self, cfg: dict, arch: str, data: DeviceImages, num_classes: int):
        cc = cfg["continual"]
        self.cc, self.arch = cc, arch
        self.batch = cc["batch_size"][arch]
        torch.manual_seed(0)

        def model():
            return build_model(arch, in_shape=data.shape, num_classes=num_classes, init=cfg["models"]["init"],
                               **cfg["models"][arch])
        self.model_default, self.model_trainer = model(), model()
        self.opt_default = torch.optim.Adam(self.model_default.parameters(), lr=cc["lr"][arch])
        self.forward_trainer = training_forward(self.model_trainer, arch, cfg["performance"], torch.device("cpu"))
        self.opt_trainer = make_optimizer(cc["optimizer"], self.model_trainer.parameters(), cc["lr"][arch])
        self.data = data
        self.idx = data.indices_of(range(5))
        self.bidx = self.idx[torch.randperm(self.idx.numel())[: self.batch]]
        self.x, y = data.batch(self.bidx)
        self.active = torch.arange(5)
        self.target = y  # classes 0..4: label == active-logit index
        self.gen = torch.Generator().manual_seed(0)
        self.task_images = PaddedSubset(data, self.idx, cc["augment"])  # what the trainer draws batches from
        self.pos = torch.randperm(self.idx.numel())[: self.batch]
        px, py = data.batch(self.idx[: cc["probe"]["size"]])
        self.probe_args = (px, py, self.active, cc["thresholds"], cc["probe"]["max_rank_rows"],
                           cc["probe"]["grad_reduction"])

    def _step(self, forward, opt):
        loss = F.cross_entropy(forward(self.x)[:, self.active], self.target)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    def bare(self):
        self._step(self.model_default, self.opt_default)

    def trainer(self):
        self._step(self.forward_trainer, self.opt_trainer)

    def batch_cost(self):
        self.task_images.batch(self.pos, self.gen)

    def probe(self):
        probe_metrics(self.model_trainer, *self.probe_args)  # the trainer's model: its layout


def pipeline_cpu_s(cfg: dict, arch: str, arrays: dict, out: Path) -> float:
    """CPU seconds of one run as a job runs it (the arrays loaded once per job; progress bar on, drawn into
    a buffer here)."""
    t = time.process_time()
    with contextlib.redirect_stderr(io.StringIO()):
        run_continual(cfg, arch=arch, variant=Variant(), seed=0, data=arrays, out_dir=out, progress=True)
    return time.process_time() - t


def profile_arch(cfg: dict, arch: str, arrays: dict, data: DeviceImages, num_classes: int, *, tasks: int,
                 rounds: int, startup: float) -> dict:
    cc = cfg["continual"]
    parts = Parts(cfg, arch, data, num_classes)
    per_task = steps_for_task(cc, 0, cc["batch_size"][arch])
    steps = tasks * per_task
    run_steps = cc["num_tasks"] * per_task  # one run of the tier
    job_steps = run_steps * runs_per_job("continual", cfg, arch)
    probes = sum(1 for k in range(1, per_task + 1) if k % cc["probe"]["every"] == 0 or k == per_task)
    probes_per_step = probes / per_task
    long_cfg = copy.deepcopy(cfg)
    long_cfg["continual"].update(num_tasks=tasks, checkpoint_every=0)
    # Set-up and write-out of one run: a one-step run (one step, one probe, then everything after the loop).
    short_cfg = copy.deepcopy(cfg)
    short_cfg["continual"].update(num_tasks=1, steps_per_task=1, checkpoint_every=0)
    n = max(20, int(0.3 / max(cpu_s(parts.bare, 3), 1e-4)))
    for f in (parts.trainer, parts.batch_cost, parts.probe):  # warm-up
        f()
    samples: dict[str, list[float]] = {k: [] for k in ("bare", "trainer", "batch", "probe", "loop", "short")}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(rounds):
            samples["bare"].append(cpu_s(parts.bare, n))
            samples["trainer"].append(cpu_s(parts.trainer, n))
            samples["batch"].append(cpu_s(parts.batch_cost, n))
            samples["probe"].append(cpu_s(parts.probe, 3))
            samples["short"].append(pipeline_cpu_s(short_cfg, arch, arrays, Path(tmp) / f"short{r}"))
            samples["loop"].append(pipeline_cpu_s(long_cfg, arch, arrays, Path(tmp) / f"long{r}"))
    m = {k: statistics.median(v) for k, v in samples.items()}
    run_fixed = max(m["short"] - m["trainer"] - m["probe"], 0.0)  # set-up + write-out of one run
    loop = (m["loop"] - run_fixed) / steps  # per step inside the training loop, probes included
    row = {
        "arch": arch, "batch": parts.batch, "bare": m["bare"], "trainer": m["trainer"],
        "optimizer": m["trainer"] - m["bare"], "batch_aug": m["batch"], "probe": m["probe"] * probes_per_step,
        "run": run_fixed / run_steps, "startup": startup / job_steps,
    }
    row["rest"] = loop - m["trainer"] - row["batch_aug"] - row["probe"]
    row["pipeline"] = loop + row["run"] + row["startup"]
    row["ratio"] = row["pipeline"] / m["bare"]
    row["probe_ms"], row["run_s"], row["startup_s"] = m["probe"] * 1e3, run_fixed, startup
    return row


def runs_per_job(family: str, cfg: dict, arch: str) -> int:
    """Runs of `arch` that one training job of `family` holds in one process (config `job_group`)."""
    jobs = job_templates(family, cfg)
    mine = [j for j in jobs if all(c["arch"] in (arch, "{arch}") for c in j.cells)]
    return len(mine[0].cells)


def cloning_log_points(n1: int, n2: int, every: int) -> tuple[int, int]:
    """Log points of a cloning run per stage: every `every` steps and at the stage's end; stage 2 also at
    step 0. Each evaluates every model on the test subset; stage 2's also take the clone probes."""
    return n1 // every + (n1 % every != 0), 1 + n2 // every + (n2 % every != 0)


def profile_cloning(cfg: dict, arch: str, *, rounds: int, startup: float) -> dict:
    """Cloning (variant `sgd`): a bare run (stage-1 base steps, then base + clone steps, torch's default
    SGD, a fixed batch) against `run_cloning` (its batches, log points with test evaluation of each model
    and the clone probes at stage 2, set-up and write-out), CPU seconds per run."""
    from lop.cloning import clone_model
    from lop.train.cloning import NORMALIZE, base_spec, clone_probe_metrics, evaluate, run_cloning, stage_steps
    from lop.train.cloning import make_optimizer as cloning_optimizer
    from lop.variants.cloning import parse_variant

    ccfg = cfg["cloning"]
    s = cfg["data"]["synthetic"]
    k = ccfg["synthetic_classes"]
    x, y = make_synthetic(num_classes=k, per_class=s["train_per_class"], image_size=s["image_size"], seed=s["seed"])
    xt, yt = make_synthetic(num_classes=k, per_class=s["test_per_class"], image_size=s["image_size"], seed=s["seed"],
                            split="test")
    data = {"x_train": x, "y_train": y, "x_test": xt, "y_test": yt, "meta": {"num_classes": k}}
    n1, n2 = stage_steps(ccfg, 1, len(y)), stage_steps(ccfg, 2, len(y))
    images = DeviceImages(x, y, "cpu", *NORMALIZE[ccfg["normalize"]])
    torch.manual_seed(0)
    base = build_model(arch, in_shape=images.shape, num_classes=k, norm=ccfg["norm"][arch], affine=True,
                       init=cfg["models"]["init"], **cfg["models"][arch])
    clone = clone_model(base, factor=int(ccfg["factor"]))
    default = [(m, torch.optim.SGD(m.parameters(), lr=ccfg["lr"], momentum=ccfg["momentum"])) for m in (base, clone)]
    # the trainer's: its optimizer, and its memory layout (channels-last conv nets where configured), which
    # the evaluations and probes below also run on, as run_cloning's do
    base_t, clone_t = copy.deepcopy(base), copy.deepcopy(clone)
    trainer = [(training_forward(m, arch, cfg["performance"], torch.device("cpu")),
                cloning_optimizer(m.parameters(), base_spec(parse_variant("sgd")), ccfg)) for m in (base_t, clone_t)]
    xb, yb = images.batch(torch.arange(ccfg["batch_size"]))
    sub = PaddedSubset(images, torch.arange(len(images)), dict(ccfg["augment"]))
    pos = torch.arange(ccfg["batch_size"])
    g = torch.Generator().manual_seed(0)

    def one(m, o):
        o.zero_grad(set_to_none=True)
        F.cross_entropy(m(xb), yb).backward()
        o.step()

    def bare_run(models):
        def run():
            for _ in range(n1):
                one(*models[0])
            for _ in range(n2):
                one(*models[0])
                one(*models[1])
        return run

    l1, l2 = cloning_log_points(n1, n2, ccfg["log_every"])
    test = DeviceImages(xt, yt, "cpu", *NORMALIZE[ccfg["normalize"]])
    test_idx = torch.arange(min(len(test), ccfg["eval_size"]))
    px, py = images.batch(torch.arange(ccfg["probe"]["size"]))
    samples: dict[str, list[float]] = {"bare": [], "trainer": [], "batch": [], "eval": [], "probe": [], "pipeline": []}
    bare_run(default)()  # warm-up
    for _ in range(rounds):
        samples["bare"].append(cpu_s(bare_run(default)))
        samples["trainer"].append(cpu_s(bare_run(trainer)))
        samples["batch"].append(cpu_s(lambda: sub.batch(pos, g), 200) * (n1 + n2))
        samples["eval"].append(cpu_s(lambda: evaluate(base_t, test, test_idx), 5) * (l1 + 2 * l2))
        samples["probe"].append(cpu_s(lambda: clone_probe_metrics(clone_t, base_t, px, py, int(ccfg["factor"]),
                                                                  ccfg["probe"]["max_rank_rows"]), 3) * l2)
        t = time.process_time()
        with contextlib.redirect_stderr(io.StringIO()):
            run_cloning(cfg, arch=arch, variant="sgd", seed=0, data=data, progress=True)
        samples["pipeline"].append(time.process_time() - t)
    m = {key: statistics.median(v) for key, v in samples.items()}
    per_job = runs_per_job("cloning", cfg, arch)
    row = {"arch": arch, "steps": n1 + n2, "bare": m["bare"], "optimizer": m["trainer"] - m["bare"],
           "batch_aug": m["batch"], "eval": m["eval"], "probe": m["probe"], "startup": startup / per_job}
    row["rest"] = m["pipeline"] - m["trainer"] - m["batch"] - m["eval"] - m["probe"]
    row["pipeline"] = m["pipeline"] + row["startup"]
    row["ratio"] = row["pipeline"] / m["bare"]
    return row


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m benchmarks.step_profile", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="cpu", help="the tier whose shapes, cadence and lengths are profiled")
    ap.add_argument("--archs", nargs="+", default=list(ARCHS), choices=ARCHS)
    ap.add_argument("--tasks", type=int, default=2, help="tasks of the measured pipeline run")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved repetitions (median)")
    ap.add_argument("--families", nargs="+", default=["continual", "cloning"], choices=["continual", "cloning", "bitflip"])
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    cfg = resolve_config(preset=args.preset)
    cfg["device"] = "cpu"
    startup = statistics.median(startup_cpu_s() for _ in range(args.rounds))
    if "continual" in args.families:
        profile_continual_family(cfg, args, startup)
    if "cloning" in args.families:
        rows = [profile_cloning(cfg, a, rounds=args.rounds, startup=startup) for a in args.archs]
        c = cfg["cloning"]
        print(f"\ncloning, variant sgd: {c['stage1_steps']} + {c['stage2_steps']} steps per run (stage 2: base + "
              f"clone), start-up over the runs of one `job_group: {c['job_group']}` job, log every {c['log_every']}; "
              f"CPU s per run (median of {args.rounds} rounds)")
        print("| arch | bare run | trainer's step | batches + augment | test evaluation | clone probes | "
              "set-up, rest | start-up | pipeline | pipeline / bare |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['arch']} | {r['bare']:.2f} | {r['optimizer']:+.2f} | {r['batch_aug']:.2f} | {r['eval']:.2f} | "
                  f"{r['probe']:.2f} | {r['rest']:+.2f} | {r['startup']:.2f} | {r['pipeline']:.2f} | {r['ratio']:.2f}x |")
    if "bitflip" in args.families:
        profile_bitflip(cfg, args.rounds, statistics.median(startup_cpu_s(STARTUP_BITFLIP) for _ in range(args.rounds)))


def profile_continual_family(cfg, args, startup):
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = make_data(cfg, Path(tmp))
        from lop.data.arrays import load_arrays
        arrays = load_arrays(data_dir)
        data = DeviceImages(arrays["x_train"], arrays["y_train"], "cpu")
        num_classes = int(arrays["meta"]["num_classes"])
        rows = [profile_arch(cfg, a, arrays, data, num_classes, tasks=args.tasks, rounds=args.rounds,
                             startup=startup) for a in args.archs]
    cc = cfg["continual"]
    print(f"preset {args.preset}: {cc['num_tasks']} tasks x {cc['steps_per_task']} steps per run, "
          f"{len(cc['seeds'])} runs per job, probe every {cc['probe']['every']} steps; "
          f"torch {torch.__version__}, 1 thread; CPU ms per training step (median of {args.rounds} rounds)")
    print("| arch | batch | bare step | trainer's step | batch + augment | probe | rest of loop | run set-up "
          "| start-up | pipeline | pipeline / bare |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['arch']} | {r['batch']} | {r['bare'] * 1e3:.2f} | {r['optimizer'] * 1e3:+.2f} | "
              f"{r['batch_aug'] * 1e3:.2f} | {r['probe'] * 1e3:.2f} | {r['rest'] * 1e3:+.2f} | {r['run'] * 1e3:.3f} | "
              f"{r['startup'] * 1e3:.3f} | {r['pipeline'] * 1e3:.2f} | {r['ratio']:.2f}x |")
    print("per event (CPU s): " + "; ".join(f"{r['arch']} probe {r['probe_ms']:.1f} ms, run set-up + write-out "
                                             f"{r['run_s']:.2f} s" for r in rows)
          + f"; process start-up ({STARTUP_NAME}) {startup:.2f} s")
    return rows


def profile_bitflip(cfg: dict, rounds: int, startup: float, samples: int = 200_000):
    """Bit flipping, per width: the kernel's bare run against the tier's run (lop.train.bitflip.run_fast)."""
    from lop.train.bitflip import run_fast, to_frame

    p = copy.deepcopy(cfg["bitflip"])
    chunk = p["chunk"]
    samples = max(chunk, samples // chunk * chunk)
    bare = copy.deepcopy(p)
    bare["metrics"].update(every=chunk, gaussianity_every=0)
    per_job = len(p["widths"]) * p["n_samples"]
    print(f"\nbit flipping: {samples:,} samples per measured run, metrics every {p['metrics']['every']} samples, "
          f"non-Gaussianity every {p['metrics']['gaussianity_every']}; CPU us per sample (median of {rounds} rounds); "
          f"start-up of a job (imports, the kernel from numba's cache) {startup:.2f} CPU s over its "
          f"{len(p['widths'])} widths x {p['n_samples']:,} samples")
    print("| width | bare (SGD + CBP) | metrics | write-out | start-up | pipeline | pipeline / bare |")
    print("|---|---|---|---|---|---|---|")
    run_fast(p, p["widths"][0], 0, n_samples=chunk)  # compiles the kernel
    for w in p["widths"]:
        m = {k: [] for k in ("bare", "tier", "frame")}
        for _ in range(rounds):
            m["bare"].append(cpu_s(lambda: run_fast(bare, w, 0, n_samples=samples)) / samples)
            t = time.process_time()
            res = run_fast(p, w, 0, n_samples=samples)
            m["tier"].append((time.process_time() - t) / samples)
            m["frame"].append(cpu_s(lambda: to_frame(res)) / samples)
        b, tier, frame = (statistics.median(m[k]) for k in ("bare", "tier", "frame"))
        up = startup / per_job
        print(f"| {w} | {b * 1e6:.3f} | {(tier - b) * 1e6:+.3f} | {frame * 1e6:.3f} | {up * 1e6:.3f} | "
              f"{(tier + frame + up) * 1e6:.3f} | {(tier + frame + up) / b:.2f}x |")


if __name__ == "__main__":
    main()
