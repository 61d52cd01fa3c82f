"""Atomic, resumable checkpoints for long runs: one format for the three families.

A checkpoint holds everything the rest of the run depends on - models, optimizers, generators, the
global RNGs (dropout), the metric buffers - so that a killed or pre-empted job resumes where it stopped
and ends with exactly the tables of an uninterrupted run. It is one pickle, written atomically and tagged
with the run's identity (family, grid cell, seed, config hash) by `save_state`; `load_state` returns the
state only for the same run, and starts the run afresh (with a message) from a checkpoint of another
run or an unreadable one. Tensors are stored on the CPU.

What each family stores: the bit-flip run its numpy state as it is (lop.train.bitflip); the continual
run `save_checkpoint` / `load_checkpoint`, the cloning run `save_cloning` / `restore_cloning` (below).
torch is imported lazily so that the numpy-only bit-flip jobs do not pay for it.
"""
from __future__ import annotations

import pickle
import sys
from pathlib import Path

from ..provenance import atomic_path


def save_state(path: Path, ident: dict, state: dict) -> None:
    """Atomically pickle `state` tagged with the run's identity (a kill mid-write leaves the old file)."""
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        pickle.dump({"ident": ident, "state": state}, fh, protocol=pickle.HIGHEST_PROTOCOL)


def load_state(path: Path, ident: dict) -> dict | None:
    """The saved state, or None (with a message) when there is none, it is unreadable or of another run."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        with open(path, "rb") as fh:
            saved = pickle.load(fh)
    except Exception as e:  # a checkpoint is only ever an optimisation: start afresh rather than fail
        print(f"ignoring unreadable checkpoint {path} ({type(e).__name__}: {e}); starting the run afresh",
              file=sys.stderr)
        return None
    if not isinstance(saved, dict) or saved.get("ident") != ident:
        print(f"ignoring checkpoint {path}: it belongs to {saved.get('ident') if isinstance(saved, dict) else '?'}, "
              f"not {ident}", file=sys.stderr)
        return None
    return saved["state"]


def _cpu(x):
    """`x` with every tensor (in dicts, lists, tuples) moved to the CPU."""
    import torch

    if torch.is_tensor(x):
        return x.detach().cpu()
    if isinstance(x, dict):
        return {k: _cpu(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(_cpu(v) for v in x)
    return x


# -- the continual run (lop.train.continual) ----------------------------------------------------------------
def save_checkpoint(path: Path, ident: dict, step: int, model, opt, gen, online, probe_rows,
                    method_state: dict | None = None) -> None:
    import torch

    save_state(path, ident, _cpu({
        "step": step,
        "model": model.state_dict(),
        "opt": opt.state_dict(),
        "gen": gen.get_state(),
        "cpu_rng": torch.get_rng_state(),
        "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None,
        "online": online,
        "probe_rows": list(probe_rows),
        "method": method_state or {},  # the plasticity method's own state (lop.methods), e.g. CBP's ages
    }))


def load_checkpoint(path: Path, ident: dict, model, opt, gen, device):
    """Restore into model/opt/gen and return the saved state, or None when there is none of this run."""
    import torch

    state = load_state(path, ident)
    if state is None:
        return None
    model.load_state_dict(state["model"])
    opt.load_state_dict(state["opt"])
    gen.set_state(state["gen"])
    torch.set_rng_state(state["cpu_rng"])
    if state["cuda_rng"] is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda_rng"])
    state["probe_rows"] = [(s, t, {k: v.to(device) for k, v in m.items()}) for s, t, m in state["probe_rows"]]
    print(f"resumed from {path} at step {state['step']}", file=sys.stderr)
    return state


# -- the cloning run (lop.train.cloning) --------------------------------------------------------------------
def save_cloning(path, ident, stage, step, models, opts, gens, stream, acc, log, match):
    """Both models, their optimizers (with Noisy SGD's noise generator), the batch stream, the RNGs, the
    accumulators and the logged rows."""
    import torch

    save_state(path, ident, _cpu({
        "stage": stage, "step": step, "match": match,
        "models": {k: m.state_dict() for k, m in models.items()},
        "opts": {k: o.state_dict() for k, o in opts.items()},
        "opt_gens": {k: o.generator.get_state() for k, o in opts.items() if getattr(o, "generator", None) is not None},
        "gens": {k: g.get_state() for k, g in gens.items()},
        "stream": (stream._perm, stream._pos),
        "acc": {k: [a[0], a[1], a[2]] for k, a in acc.items()},
        "rows": list(log.rows),
        "cpu_rng": torch.get_rng_state(),
        "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None,
    }))


def restore_cloning(state, models, opts, gens, stream, acc, log, device):
    """Load the saved parts named by `models`/`opts`/`gens` (and, when given, stream, acc, log and RNGs)."""
    import torch

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
