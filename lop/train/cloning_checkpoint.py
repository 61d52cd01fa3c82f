"""Atomic resumable checkpoints of a cloning run (lop.train.cloning): both models, their optimizers
(with Noisy SGD's noise generator), the batch stream, the RNGs, the accumulators and the logged rows."""
from __future__ import annotations

import torch

from .checkpoint import save_state


def save_cloning(path, ident, stage, step, models, opts, gens, stream, acc, log, match):
    """Everything the rest of the run depends on, on the CPU (lop.train.checkpoint.save_state)."""
    def cpu(x):
        return x.detach().cpu() if torch.is_tensor(x) else x

    save_state(path, ident, {
        "stage": stage, "step": step, "match": match,
        "models": {k: {n: cpu(t) for n, t in m.state_dict().items()} for k, m in models.items()},
        "opts": {k: o.state_dict() for k, o in opts.items()},
        "opt_gens": {k: o.generator.get_state() for k, o in opts.items() if getattr(o, "generator", None) is not None},
        "gens": {k: g.get_state() for k, g in gens.items()},
        "stream": (None if stream._perm is None else stream._perm.cpu(), stream._pos),
        "acc": {k: [cpu(a[0]), cpu(a[1]), a[2]] for k, a in acc.items()},
        "rows": list(log.rows),
        "cpu_rng": torch.get_rng_state(),
        "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None,
    })


def restore_cloning(state, models, opts, gens, stream, acc, log, device):
    """Load the saved parts named by `models`/`opts`/`gens` (and, when given, stream, acc, log and RNGs)."""
    for k, m in models.items():
        m.load_state_dict(state["models"][k])
    for k, o in opts.items():
        o.load_state_dict(state["opts"][k])
        if k in state["opt_gens"]:
            o.generator.set_state(state["opt_gens"][k])
    for k, g in gens.items():
        g.set_state(state["gens"][k])
    if stream is not None:
        perm, stream._pos = state["stream"]
        stream._perm = None if perm is None else perm.to(device)
    if acc is not None:
        acc.clear()
        acc.update({k: [a[0].to(device), a[1].to(device), a[2]] for k, a in state["acc"].items()})
    if log is not None:
        log.rows[:] = state["rows"]
        torch.set_rng_state(state["cpu_rng"])
        if state["cuda_rng"] is not None and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["cuda_rng"])
