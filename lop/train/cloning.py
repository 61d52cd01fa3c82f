"""The cloning experiment (paper Figs. 2.1, B.7-B.14).

Stage 1 trains a base model. Stage 2 clones it x`factor` (`lop.cloning.clone_model`: every unit,
channel and head duplicated, function-preserving) and trains the clone and the base side by side on
the SAME batches (one augmented batch per step fed to both), the clone with a fresh optimizer (state
starting at cloning, Remark 2.3). Under plain SGD / Adam the clone stays on the cloning manifold
(forward and backward cloning R^2 = 1, Theorem 2.1(2)); Noisy SGD and dropout break the symmetry.

Protocol choices where the paper is silent (docs/cloning_experiment.md):
- Noisy SGD perturbs the CLONE only: the base trains with plain SGD in both stages (the paper lists
  Noisy SGD as a stage-2 method for the clone; the authors' src/training/train_cloning.py sets the base
  optimizer's noise to 0). Every noise setting therefore clones the same base as `sgd`, and the base's
  whole trajectory is bitwise the `sgd` run's (tested); the figures compare each clone with that base.
- Adam and dropout are the training method of BOTH models in both stages (as upstream, which builds
  both optimizers from one config and both models from one model config): Adam does not break the
  cloning symmetry by itself, dropout is a property of the network, and B.12-B.14 compare a clone with a
  base trained the same way, so the clone-vs-base gap measures width, not the optimizer. The base's
  optimizer carries over into stage 2 (the base simply continues), the clone's is new.
- Measurements (cloning R^2, effective rank, test accuracy) are taken in eval mode on a fixed probe batch
  of training images (no augmentation): dropout off, BatchNorm on running statistics, so R^2 < 1 means
  the WEIGHTS have left the cloning manifold, not that one dropout mask differed.
- Train loss / accuracy are the online values of the minibatches as they were trained on (mean over the
  logging interval), accumulated on the device and transferred only at log time.

Output: a tidy long table (phase, step, model, layer, metric, value) and run.json.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from .. import metrics
from ..cloning import clone_blocks, clone_model
from ..cloning.metrics import cloning_r2, probe_forward_backward
from ..data.cifar10 import CIFAR10_MEAN, CIFAR10_STD
from ..data.device import IMAGENET_MEAN, IMAGENET_STD, DeviceImages, PaddedSubset
from ..models import build_model, flatten_units
from ..optim import NoisySGD
from ..probing import ProbeRecorder
from ..provenance import config_hash, run_record
from ..variants.cloning import parse_variant
from . import lifecycle
from .checkpoint import load_state, restore_cloning, save_cloning
from .runtime import fused_or_foreach, pick_device, progress_bar, training_forward

# Input normalisation (config `cloning.normalize`): per-channel (mean, std).
NORMALIZE = {"imagenet": (IMAGENET_MEAN, IMAGENET_STD), "cifar10": (CIFAR10_MEAN, CIFAR10_STD)}


# -- building blocks -------------------------------------------------------------------------------------
def base_spec(spec: dict) -> dict:
    """The base model's method: Noisy SGD's base trains with plain SGD (noise is the clone's stage-2
    perturbation, not part of the base); every other method is the base's own."""
    return {"method": "sgd", "dropout": spec["dropout"]} if spec["method"] == "noisy_sgd" else spec


def make_optimizer(params, spec: dict, ccfg: dict, generator: torch.Generator | None = None):
    """The stage optimizer of a variant: SGD / Noisy SGD at cloning.lr with cloning.momentum, or Adam."""
    method = spec["method"]
    # Fused kernels where torch has them (lop.train.runtime.fused_or_foreach): element-wise like the
    # default loop, so cloned units stay exact copies under SGD and Adam (R^2 = 1 exactly, checked at
    # every arch of the CPU tiers); only the last float bits of an update can differ.
    if method == "adam":
        return fused_or_foreach(torch.optim.Adam, params, lr=ccfg["adam_lr"])
    if method == "noisy_sgd":
        return fused_or_foreach(NoisySGD, params, lr=ccfg["lr"], sigma0=spec["sigma0"], decay=spec["decay"],
                                momentum=ccfg["momentum"], generator=generator)
    return fused_or_foreach(torch.optim.SGD, params, lr=ccfg["lr"], momentum=ccfg["momentum"])


def stage_steps(ccfg: dict, stage: int, n_train: int) -> int:
    """Optimizer steps of stage 1 / 2: `stageN_steps` when set (small preset), else epochs x batches/epoch."""
    steps = ccfg[f"stage{stage}_steps"]
    if steps is not None:
        return int(steps)
    return int(ccfg[f"stage{stage}_epochs"]) * max(1, n_train // ccfg["batch_size"])


class BatchStream:
    """Epoch-wise shuffled minibatch indices on the device (drop last), from a seeded device generator."""

    def __init__(self, n: int, batch_size: int, generator: torch.Generator, device):
        if batch_size > n:
            raise ValueError(f"cloning.batch_size {batch_size} exceeds the {n} training images")
        self.n, self.b, self.g, self.device = n, batch_size, generator, device
        self._perm, self._pos = None, n

    def next(self) -> torch.Tensor:
        if self._pos + self.b > self.n:
            self._perm = torch.randperm(self.n, device=self.device, generator=self.g)
            self._pos = 0
        idx = self._perm[self._pos:self._pos + self.b]
        self._pos += self.b
        return idx


def train_step(forward, opt, x, y):
    """One optimizer step of `forward` (a model or lop.train.runtime.training_forward of one);
    returns (loss, #correct) as device tensors (no host sync)."""
    opt.zero_grad(set_to_none=True)
    logits = forward(x)
    loss = F.cross_entropy(logits, y)
    loss.backward()
    opt.step()
    return loss.detach(), (logits.detach().argmax(1) == y).sum()


@torch.no_grad()
def evaluate(model, images: DeviceImages, idx: torch.Tensor, batch: int = 1000):
    """(loss, accuracy) in eval mode over images[idx], as device tensors."""
    was = model.training
    model.eval()
    loss, correct = torch.zeros((), device=images.device), torch.zeros((), device=images.device)
    for i in range(0, len(idx), batch):
        x, y = images.batch(idx[i:i + batch])
        logits = model(x)
        loss += F.cross_entropy(logits, y, reduction="sum")
        correct += (logits.argmax(1) == y).sum()
    model.train(was)
    return loss / len(idx), correct / len(idx)


def clone_probe_metrics(clone, base, x, y, factor: int, max_rank_rows: int) -> dict:
    """{(model, layer, metric): 0-dim tensor}: clone forward/backward R^2 per probed layer, effective rank of
    clone and base, and the means over layers. Eval mode; parameter .grad and BN statistics untouched."""
    out = {}
    cw, bw = clone.training, base.training
    clone.eval()
    base.eval()
    try:
        fb = probe_forward_backward(clone, x, y)
        with torch.no_grad(), ProbeRecorder(base) as rec:
            base(x)
    finally:
        clone.train(cw)
        base.train(bw)
    names = list(fb)
    for name in names:
        H, G = fb[name]
        blocks = clone_blocks(clone, name, factor)
        out[("clone", name, "r2_forward")] = cloning_r2(H, factor, blocks)
        out[("clone", name, "r2_backward")] = cloning_r2(G, factor, blocks)
        out[("clone", name, "effective_rank")] = metrics.effective_rank(H.float(), max_rank_rows)
        out[("base", name, "effective_rank")] = metrics.effective_rank(
            flatten_units(rec.acts[name].detach()).float(), max_rank_rows)
    for model, metric in (("clone", "r2_forward"), ("clone", "r2_backward"), ("clone", "effective_rank"),
                          ("base", "effective_rank")):
        out[(model, "mean", metric)] = torch.stack([out[(model, n, metric)].double() for n in names]).mean()
    out[("clone", "mean", "r2")] = (out[("clone", "mean", "r2_forward")] + out[("clone", "mean", "r2_backward")]) / 2
    return out


class Logger:
    """Collects device scalars per log point; one host transfer per log point (not per step)."""

    def __init__(self):
        self.rows: list[tuple] = []

    def log(self, phase: str, step: int, values: dict):
        keys = list(values)
        vals = torch.stack([values[k].detach().double().reshape(()) for k in keys]).cpu().tolist()
        for (model, layer, metric), v in zip(keys, vals):
            self.rows.append((phase, step, model, layer, metric, v))

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=["phase", "step", "model", "layer", "metric", "value"])


# -- the run ---------------------------------------------------------------------------------------------
def run_cloning(cfg: dict, *, arch: str, variant: str, seed: int, data: dict, out_dir=None,
                checkpoint: Path | None = None, progress: bool = True,
                stop_after: tuple[int, int] | None = None) -> pd.DataFrame | None:
    """Train base (stage 1), clone, train both (stage 2); return the tidy metrics table
    (lop.train.lifecycle.EntryPoint).

    cfg: the resolved config (uses cfg['cloning'], cfg['models'][arch], cfg['device']).
    data: `lop.data.arrays.load_arrays` output. Writes metrics.parquet + run.json to out_dir if given.
    checkpoint: a file for atomic resumable checkpoints every `cloning.checkpoint_every` steps of each
    stage (resumed from when present and of this run; deleted when the run is done).
    stop_after: (stage, step) - return None there, as if killed (resume tests).
    """
    t0 = time.time()
    ccfg = cfg["cloning"]
    spec = parse_variant(variant)
    factor = int(ccfg["factor"])
    device = pick_device(cfg["device"])
    torch.manual_seed(seed)  # model init and dropout masks
    stats = NORMALIZE[ccfg["normalize"]]  # ImageNet's (default) or CIFAR-10's own (upstream)
    train = DeviceImages(data["x_train"], data["y_train"], device, *stats)
    test = DeviceImages(data["x_test"], data["y_test"], device, *stats)
    num_classes = int(data["meta"].get("num_classes", int(data["y_train"].max()) + 1))
    base = build_model(arch, in_shape=train.shape, num_classes=num_classes, norm=ccfg["norm"][arch], affine=True,
                       dropout=spec["dropout"], init=cfg["models"]["init"], **cfg["models"][arch]).to(device)

    def gen(k):
        return torch.Generator(device=device).manual_seed(seed * 1000 + k)

    data_gen, aug_gen, probe_gen = gen(1), gen(2), torch.Generator().manual_seed(seed * 1000 + 3)
    stream = BatchStream(len(train), ccfg["batch_size"], data_gen, device)
    probe_idx = torch.randperm(len(train), generator=probe_gen)[:ccfg["probe"]["size"]].to(device)
    px, py = train.batch(probe_idx)
    test_idx = torch.arange(min(len(test), ccfg["eval_size"]), device=device)
    augment = dict(ccfg["augment"])
    # The training set padded (and mirrored) once per run: a step's crop and flip are then one gather.
    train_images = PaddedSubset(train, torch.arange(len(train), device=device), augment)
    every, max_rows = ccfg["log_every"], ccfg["probe"]["max_rank_rows"]
    log = Logger()

    models = {"base": base}
    forwards = {"base": training_forward(base, arch, cfg["performance"], device)}  # bf16 / compile switches
    opts = {"base": make_optimizer(base.parameters(), base_spec(spec), ccfg, gen(10))}
    acc = {}

    def reset_acc():
        for k in models:
            acc[k] = [torch.zeros((), device=device), torch.zeros((), device=device), 0]

    def train_and_tally(k, x, y):  # one step of model k; its loss and hits summed on the device until logged
        loss, correct = train_step(forwards[k], opts[k], x, y)
        a = acc[k]
        a[0] += loss
        a[1] += correct
        a[2] += 1

    def log_point(phase, step, probe: bool):
        values = {}
        for k, (ls, cs, n) in acc.items():
            if n:
                values[(k, "", "train_loss")] = ls / n
                values[(k, "", "train_acc")] = cs / (n * ccfg["batch_size"])
        for k, m in models.items():
            tl, ta = evaluate(m, test, test_idx)
            values[(k, "", "test_loss")], values[(k, "", "test_acc")] = tl, ta
        if probe and "clone" in models:
            values.update(clone_probe_metrics(models["clone"], base, px, py, factor, max_rows))
        log.log(phase, step, values)
        reset_acc()

    n1, n2 = stage_steps(ccfg, 1, len(train)), stage_steps(ccfg, 2, len(train))
    bar = progress_bar(n1 + n2, f"cloning {arch} {variant} seed {seed}", progress, leave=False)
    ck_every = ccfg.get("checkpoint_every", 0) if checkpoint is not None else 0
    ident = lifecycle.identity("cloning", config_hash(cfg), arch=arch, variant=variant, seed=seed)
    gens = {"data": data_gen, "aug": aug_gen}

    def save(stage, step, match=None):
        save_cloning(checkpoint, ident, stage, step, models, opts, gens, stream, acc, log, match)

    def stop(stage, step):
        return stop_after is not None and tuple(stop_after) == (stage, step)

    resume = load_state(checkpoint, ident) if checkpoint is not None else None
    start = (resume["stage"], resume["step"]) if resume else (1, 0)
    if resume:
        restore_cloning(resume, {"base": base}, {"base": opts["base"]}, gens, stream, acc, log, device)
        bar.update(n1 * (start[0] - 1) + start[1])
        print(f"resumed from {checkpoint} at stage {start[0]} step {start[1]}", file=sys.stderr)

    # Stage 1: the base alone.
    base.train()
    if not resume:
        reset_acc()
    for step in range(1, n1 + 1):
        if (1, step) <= start:
            continue
        x, y = train_images.batch(stream.next(), aug_gen)
        train_and_tally("base", x, y)
        if step % every == 0 or step == n1:
            log_point("stage1", step, probe=False)
        bar.update(1)
        if ck_every and step % ck_every == 0 and step < n1:
            save(1, step)
        if stop(1, step):
            return None

    # Stage 2: clone (fresh optimizer), then both on the same batches.
    rng = torch.get_rng_state()
    clone = clone_model(base, factor=factor).to(device)  # on a resume inside stage 2: the structure only
    clone.train()
    if start[0] == 2:
        torch.set_rng_state(rng)  # the saved RNG state stays the one in force
        match = torch.tensor(resume["match"], device=device)
    else:
        with torch.no_grad():  # function preserved at cloning (eval mode: no dropout, BN running statistics)
            base.eval()
            clone.eval()
            ref = base(px)
            match = (clone(px) - ref).abs().max() / ref.abs().max().clamp_min(1e-30)
            base.train()
            clone.train()
    models["clone"] = clone
    forwards["clone"] = training_forward(clone, arch, cfg["performance"], device)
    opts["clone"] = make_optimizer(clone.parameters(), spec, ccfg, gen(11))
    if start[0] == 2:
        restore_cloning(resume, {"clone": clone}, {"clone": opts["clone"]}, {}, None, None, None, device)
    else:
        reset_acc()
        log_point("stage2", 0, probe=True)
        log.log("stage2", 0, {("clone", "", "output_match_error"): match})
    for step in range(1, n2 + 1):
        if (2, step) <= start:
            continue
        x, y = train_images.batch(stream.next(), aug_gen)
        for k in ("base", "clone"):
            train_and_tally(k, x, y)
        if step % every == 0 or step == n2:
            log_point("stage2", step, probe=True)
        bar.update(1)
        if ck_every and step % ck_every == 0 and step < n2:
            save(2, step, float(match))
        if stop(2, step):
            return None
    bar.close()

    df = log.frame()
    diverged = None
    bad = ~np.isfinite(df["value"].to_numpy())
    if bad.any():  # policy: lop.train.divergence; NaN from the first log point with a non-finite value
        first = int(np.argmax(bad))
        phase, at = df.phase.iloc[first], int(df.step.iloc[first])
        start_row = int(np.flatnonzero((df.phase == phase).to_numpy() & (df.step == at).to_numpy())[0])
        df, diverged = lifecycle.diverged(
            df, cfg["divergence"], f"cloning {arch} {variant} seed {seed} ({phase})", at,
            "lower cloning.lr / adam_lr", slice(start_row, None),
            {"phase": phase, "step": at, "model": "clone" if phase == "stage2" else "base", "layer": ""})
        diverged["phase"] = phase
    df.insert(0, "seed", seed)
    df.insert(0, "variant", variant)
    df.insert(0, "arch", arch)
    lifecycle.finish_run(out_dir, df, None if out_dir is None else run_record(
        config=cfg, seed=seed, device=device, wall_time_s=time.time() - t0,
        extra={"experiment": "cloning", "arch": arch, "variant": variant, "spec": spec,
               "base_spec": base_spec(spec),
               "stage1_steps": n1, "stage2_steps": n2, "clone_output_match_error": float(match),
               "resumed_from": list(start) if resume else None, "diverged": diverged}), checkpoint)
    return df
