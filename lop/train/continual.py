"""Class-incremental continual learning (paper Figs. 3.1, 3.2, 4.1, B.3-B.6) -> figures 3.1, 3.2, 4.1, B.3-B.6.

Tasks come from a permutation of the classes seeded by the run seed. One shared head over all classes
is zeroed at the start of every task; the loss and the online accuracy use only the task's active
logits; the Adam state carries over. Every `probe.every` steps (and at each task's last step) the fixed
probe batch is pushed through the network in eval mode and every probed layer's metrics are recorded.
A plasticity method (lop.methods, config `continual.method`) hooks in at each task start, into the loss
and after each optimizer step; `none`, plain Adam, leaves the loop exactly as it was.

Everything per step stays on the device (losses and accuracies go into preallocated buffers, metrics
are 0-dim tensors); the host sees them once, at the end (or at a checkpoint).
"""
from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from ..data.device import DeviceImages, PaddedSubset
from ..methods import MethodContext, build_method
from ..models import build_model
from ..probing import probe_metrics
from ..provenance import config_hash, run_record
from ..variants.continual import Variant
from . import lifecycle
from .checkpoint import load_checkpoint, save_checkpoint
from .runtime import make_optimizer, pick_device, progress_bar, training_forward


def task_classes(num_classes: int, num_tasks: int, per_task: int, seed: int) -> np.ndarray:
    """(num_tasks, per_task) class ids: a seeded permutation of the classes, cut into tasks."""
    need = num_tasks * per_task
    if need > num_classes:
        raise ValueError(f"continual: {num_tasks} tasks x {per_task} classes = {need} classes, but the dataset has "
                         f"{num_classes}; lower continual.num_tasks / classes_per_task or use a dataset with more classes")
    return np.random.default_rng(seed).permutation(num_classes)[:need].reshape(num_tasks, per_task)


def steps_for_task(cc: dict, n_images: int, batch: int) -> int:
    if cc["protocol"] == "paper":
        return cc["steps_per_task"]
    return cc["epochs_per_task"] * math.ceil(n_images / batch)  # upstream: epochs over the task's data


def _task_order(n: int, steps: int, batch: int, seed: int, task: int, device) -> torch.Tensor:
    """Positions in the task's images of every batch of a task: concatenated shuffled epochs
    (deterministic in seed and task), (steps, batch)."""
    g = torch.Generator().manual_seed(seed * 1_000_003 + task)
    epochs = math.ceil(steps * batch / n)
    perm = torch.cat([torch.randperm(n, generator=g) for _ in range(epochs)])[: steps * batch]
    return perm.to(device).view(steps, batch)


def _probe_indices(data: DeviceImages, classes, size: int, seed: int) -> torch.Tensor:
    """`size` images spread evenly over `classes` (fixed: chosen by a seeded generator)."""
    g = torch.Generator().manual_seed(seed + 7919)
    per = max(1, size // len(classes))
    picks = []
    for c in classes:
        idx = data.indices_of([int(c)]).cpu()
        picks.append(idx[torch.randperm(idx.numel(), generator=g)[:per]])
    return torch.cat(picks).to(data.device)


def _first_class_indices(data: DeviceImages, classes, size: int) -> torch.Tensor:
    """Upstream's probe batch (src/utils/data.py): the first `size` images of the CURRENT task's data in
    dataset order, i.e. images of the task's first class, re-taken at every task (an active class)."""
    return data.indices_of([int(classes[0])])[:size]


def run_continual(cfg: dict, *, arch: str, variant: Variant, seed: int, data: dict, out_dir=None,
                  checkpoint: Path | None = None, progress: bool = True,
                  stop_after: int | None = None) -> pd.DataFrame | None:
    """Train one continual-learning run; return the tidy metrics table (lop.train.lifecycle.EntryPoint).

    data: `lop.data.arrays.load_arrays` output. Writes metrics.parquet + run.json to out_dir if given.
    `checkpoint`: a file for periodic resumable checkpoints (resumed from when present and matching).
    `stop_after`: return None (as if killed) after this many steps - for resume tests.
    """
    t0 = time.time()
    cc = cfg["continual"]
    device = pick_device(cfg["device"])
    torch.manual_seed(seed)
    train = DeviceImages(data["x_train"], data["y_train"], device)
    num_classes = int(data["meta"]["num_classes"])
    tasks = task_classes(num_classes, cc["num_tasks"], cc["classes_per_task"], seed)
    def make_model():
        return build_model(arch, in_shape=train.shape, num_classes=num_classes, norm=variant.norm,
                           affine=variant.affine, dropout=variant.dropout, init=cfg["models"]["init"],
                           **cfg["models"][arch])

    model = make_model().to(device)
    opt = make_optimizer(cc["optimizer"], model.parameters(), cc["lr"][arch])
    # The plasticity method's hooks (lop.methods; `none` = plain Adam, every hook a no-op).
    method = build_method(cc["method"], cc["method_params"], MethodContext(model, opt, arch, seed, make_model))
    forward = training_forward(model, arch, cfg["performance"], device)
    batch = cc["batch_size"][arch]
    gen = torch.Generator(device=device).manual_seed(seed)  # augmentation randomness
    task_idx = [train.indices_of(t) for t in tasks]
    steps = [steps_for_task(cc, int(ix.numel()), batch) for ix in task_idx]
    total = sum(steps)
    # Position of each class inside its task: labels -> active-logit index without a host lookup.
    slot = torch.zeros(num_classes, dtype=torch.long, device=device)
    for t in tasks:
        slot[torch.as_tensor(t, device=device)] = torch.arange(len(t), device=device)
    pc = cc["probe"]
    all_logits = cc["online_accuracy"] == "all"  # upstream: argmax over every logit, not the task's

    def probe(px, p_target, p_cols):
        return probe_metrics(model, px, p_target, p_cols, cc["thresholds"], pc["max_rank_rows"],
                             pc["grad_reduction"])

    probe_classes: list[list[int] | None] = [None] * len(tasks)
    online = torch.zeros(2, total, device=device)  # rows: loss, accuracy
    probe_rows: list[tuple[int, int, dict]] = []
    start_step = 0
    ident = lifecycle.identity("continual", config_hash(cfg), arch=arch, variant=variant.name, method=method.name,
                               seed=seed)
    if checkpoint is not None and checkpoint.exists():
        state = load_checkpoint(checkpoint, ident, model, opt, gen, device)
        if state is not None:
            start_step, online, probe_rows = state["step"], state["online"].to(device), state["probe_rows"]
            method.load_state_dict(state.get("method", {}))

    bar = progress_bar(total, f"{arch}/{variant.name}/seed{seed}", progress, initial=start_step)
    step = 0
    for t, classes in enumerate(tasks):
        if pc["selection"] == "balanced":
            p_idx = _probe_indices(train, classes, pc["size"], seed * 1000 + t)
        else:
            p_idx = _first_class_indices(train, classes, pc["size"])
        px, py = train.batch(p_idx)
        probe_classes[t] = torch.unique(py).tolist()  # once per task, recorded in run.json
        if step + steps[t] <= start_step:
            step += steps[t]
            continue
        active = torch.as_tensor(classes, device=device)
        order = _task_order(int(task_idx[t].numel()), steps[t], batch, seed, t, device)
        # Padded (and mirrored) once per task: a step's crop and flip are then one gather.
        images = PaddedSubset(train, task_idx[t], cc["augment"])
        p_cols = torch.unique(torch.cat([active, py]))
        p_target = torch.searchsorted(p_cols, py)
        if step >= start_step:  # fresh task (not a resume inside it): zero the shared head
            method.task_start(t)
            with torch.no_grad():
                model.head.weight.zero_()
                model.head.bias.zero_()
            if pc["at_task_start"]:  # upstream: a probe before the task's first step (curves start there)
                probe_rows.append((step, t, probe(px, p_target, p_cols)))
        for k in range(steps[t]):
            if step < start_step:
                step += 1
                continue
            if not model.training:  # model.train() walks every module (~80 us, MLP); the probe restores the mode
                model.train()
            x, y = images.batch(order[k], gen)
            full = forward(x)
            logits = full[:, active]
            target = slot[y]
            loss = F.cross_entropy(logits, target)  # the recorded online loss: the task's cross-entropy
            extra = method.extra_loss()
            opt.zero_grad(set_to_none=True)
            (loss if extra is None else loss + extra).backward()
            opt.step()
            method.after_step(step + 1)
            with torch.no_grad():
                online[0, step] = loss.detach()
                hit = (full.argmax(1) == y) if all_logits else (logits.argmax(1) == target)
                online[1, step] = hit.float().mean()
            step += 1
            bar.update(1)
            if step % cc["probe"]["every"] == 0 or k == steps[t] - 1:
                probe_rows.append((step, t, probe(px, p_target, p_cols)))
            if checkpoint is not None and cc["checkpoint_every"] and step % cc["checkpoint_every"] == 0:
                save_checkpoint(checkpoint, ident, step, model, opt, gen, online, probe_rows, method.state_dict())
            if stop_after is not None and step >= stop_after:
                bar.close()
                return None
    bar.close()
    table = _tidy(online.cpu().numpy(), probe_rows, steps)
    diverged = None
    if not torch.isfinite(online[0]).all():  # policy: lop.train.divergence
        first = int(torch.nonzero(~torch.isfinite(online[0]))[0])  # 0-based index = step first + 1
        table, diverged = lifecycle.diverged(
            table, cfg["divergence"], f"continual {arch}/{variant.name}/seed{seed}", first + 1,
            f"lower continual.lr.{arch}", table.step >= first + 1,
            {"step": first + 1, "task": int(np.repeat(np.arange(len(steps)), steps)[first]), "layer": "online"})
    lifecycle.finish_run(out_dir, table, run_record(
        config=cfg, seed=seed, device=device, wall_time_s=round(time.time() - t0, 2),
        extra={"experiment": "continual", "arch": arch, "variant": variant.name, "method": method.name,
               "method_params": method.params, "norm": variant.norm,
               "affine": variant.affine, "dropout": variant.dropout, "steps": total,
               "task_classes": tasks.tolist(), "probe_classes": probe_classes, "resumed_from_step": start_step,
               "diverged": diverged}), checkpoint)
    return table


def _tidy(online: np.ndarray, probe_rows, steps) -> pd.DataFrame:
    """Long table: step, task, layer, metric, value (online metrics have layer 'online')."""
    task_of_step = np.repeat(np.arange(len(steps)), steps)
    n = online.shape[1]
    frames = [pd.DataFrame({"step": np.arange(1, n + 1), "task": task_of_step, "layer": "online",
                            "metric": name, "value": online[i].astype(np.float64)})
              for i, name in enumerate(("loss", "accuracy"))]
    if probe_rows:
        keys = list(probe_rows[0][2])
        values = torch.stack([torch.stack([r[2][k].double().cpu() for k in keys]) for r in probe_rows]).numpy()
        rows = len(probe_rows)
        frames.append(pd.DataFrame({
            "step": np.repeat([r[0] for r in probe_rows], len(keys)),
            "task": np.repeat([r[1] for r in probe_rows], len(keys)),
            "layer": [k[0] for k in keys] * rows,
            "metric": [k[1] for k in keys] * rows,
            "value": values.reshape(-1),
        }))
    return pd.concat(frames, ignore_index=True)
