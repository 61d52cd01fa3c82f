"""Atomic, resumable checkpoints for long runs.

A checkpoint holds everything the rest of the run depends on - model, optimizer, the augmentation
generator, the global RNG (dropout), the metric buffers - so that a killed or pre-empted job resumes
where it stopped and ends with exactly the tables of an uninterrupted run. It is tagged with the run's
identity (arch, variant, seed, config hash); a checkpoint of another run is ignored, never resumed from.

`save_state` / `load_state` are the same for any picklable state (the cloning and bit-flip runs); torch
is imported lazily so that the numpy-only bit-flip jobs do not pay for it.
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


def save_checkpoint(path: Path, ident: dict, step: int, model, opt, gen, online, probe_rows,
                    method_state: dict | None = None) -> None:
    import torch

    state = {
        "ident": ident,
        "step": step,
        "model": model.state_dict(),
        "opt": opt.state_dict(),
        "gen": gen.get_state(),
        "cpu_rng": torch.get_rng_state(),
        "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None,
        "online": online.cpu(),
        "probe_rows": [(s, t, {k: v.cpu() for k, v in m.items()}) for s, t, m in probe_rows],
        "method": method_state or {},  # the plasticity method's own state (lop.methods), e.g. CBP's ages
    }
    with atomic_path(path) as tmp:
        torch.save(state, tmp)


def load_checkpoint(path: Path, ident: dict, model, opt, gen, device):
    """Restore into model/opt/gen and return the saved state, or None when it belongs to another run."""
    import torch

    state = torch.load(path, map_location=device, weights_only=False)
    if state.get("ident") != ident:
        print(f"ignoring checkpoint {path}: it belongs to {state.get('ident')}, not {ident}", file=sys.stderr)
        return None
    model.load_state_dict(state["model"])
    opt.load_state_dict(state["opt"])
    gen.set_state(state["gen"].cpu() if gen.device.type == "cpu" else state["gen"])
    torch.set_rng_state(state["cpu_rng"].cpu())
    if state["cuda_rng"] is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda_rng"]])
    state["probe_rows"] = [(s, t, {k: v.to(device) for k, v in m.items()}) for s, t, m in state["probe_rows"]]
    print(f"resumed from {path} at step {state['step']}", file=sys.stderr)
    return state
