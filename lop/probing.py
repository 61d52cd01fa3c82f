"""Read activations (and their gradients) at a model's probe points and turn them into metrics.

One forward pass of the fixed probe batch in eval mode, one `autograd.grad` to the probed activations
(parameter .grad buffers are not touched), all metrics computed on the device.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from . import metrics
from .models import flatten_units, probes

UNIT_METRICS = ("dead_fraction", "duplicate_fraction", "saturated_fraction", "effective_rank", "stable_rank")


class ProbeRecorder:
    """Forward hooks that keep the latest output of named modules in `.acts` - the one activation recorder.

    ProbeRecorder(model): every Probe module of `model` (lop.models.probes), used as a context manager around
        one probe pass; the outputs stay in the autograd graph, so gradients to them can be taken.
    ProbeRecorder(modules={name: module}, training_only=True, keep=f).attach(): permanent hooks (the unit-level
        plasticity methods, lop.methods): only training-mode passes are kept, as f(output), so that a probe
        pass in eval mode never overwrites the activations of the batch just trained on.
    """

    def __init__(self, model=None, *, modules: dict | None = None, training_only: bool = False, keep=None):
        self.modules = probes(model) if modules is None else dict(modules)
        self.training_only, self.keep = training_only, keep
        self.acts: dict[str, torch.Tensor] = {}
        self._handles = []

    def attach(self) -> "ProbeRecorder":
        for name, mod in self.modules.items():
            self._handles.append(mod.register_forward_hook(self._hook(name)))
        return self

    def remove(self) -> None:
        for h in self._handles:
            h.remove()
        self._handles.clear()

    def _hook(self, name):
        def hook(module, _inp, out):
            if self.training_only and not module.training:
                return
            self.acts[name] = out if self.keep is None else self.keep(out)
        return hook

    def __enter__(self):
        return self.attach()

    def __exit__(self, *exc):
        self.remove()


GRAD_REDUCTIONS = ("sum", "mean")


def probe_metrics(model, x, y, columns, thresholds: dict, max_rank_rows: int = metrics.MAX_RANK_ROWS,
                  grad_reduction: str = "sum"):
    """{(layer, metric): 0-dim tensor} for every probed layer, plus layer "mean" (mean over layers).

    `columns` are the logits the loss uses (the active classes); `y` holds indices into `columns`.
    The gradient G for the saturated fraction is dLoss/dH of that loss on the same batch, with the loss
    SUMMED over the batch: row i of G is then the gradient of sample i's own loss, so the ratio
    r_ij = |G_ij| / mean_i |H_ij| does not shrink with the probe batch size (with a batch-mean loss a
    500-image probe would call units "saturated" that a 50-image probe would not).
    `grad_reduction="mean"` (config `continual.probe.grad_reduction`) is the authors' batch-mean loss
    (src/utils/masked_loss.py): every G_ij shrinks by 1/B, so more units pass the 1e-4 ratio test.
    """
    if grad_reduction not in GRAD_REDUCTIONS:
        raise ValueError(f"continual.probe.grad_reduction must be one of {GRAD_REDUCTIONS}; got {grad_reduction!r}")
    was_training = model.training
    model.eval()
    try:
        with torch.enable_grad(), ProbeRecorder(model) as rec:
            logits = model(x)
            loss = F.cross_entropy(logits[:, columns], y, reduction=grad_reduction)
            names = list(rec.acts)
            grads = torch.autograd.grad(loss, [rec.acts[n] for n in names], allow_unused=True)
    finally:
        model.train(was_training)
    out = {}
    for name, g in zip(names, grads):
        H = flatten_units(rec.acts[name].detach()).float()
        G = flatten_units(g).float() if g is not None else torch.zeros_like(H)
        out[(name, "dead_fraction")] = metrics.dead_fraction(H, thresholds["dead_eps"], thresholds["dead_frac"])
        out[(name, "duplicate_fraction")] = metrics.duplicate_fraction(H, thresholds["duplicate_cos"])
        out[(name, "saturated_fraction")] = metrics.saturated_fraction(
            H, G, thresholds["saturated_ratio"], thresholds["saturated_frac"])
        out[(name, "effective_rank")], out[(name, "stable_rank")] = metrics.ranks(H, max_rank_rows)
    for m in UNIT_METRICS:
        out[("mean", m)] = torch.stack([out[(n, m)].double() for n in names]).mean()
    return out
