"""Give each GPU job of a local multi-GPU run its own device.

Snakemake only counts GPU tokens (`--resources gpu=N`); it does not tell a job WHICH GPU to use. A
training job calls `claim_gpu()` before touching CUDA: it takes an exclusive file lock on the first
free GPU slot and restricts the process to that GPU via CUDA_VISIBLE_DEVICES. The lock lives as long as
the process, so a crashed job frees its GPU automatically. On a single-GPU or CPU machine, or under a
cluster scheduler that already set CUDA_VISIBLE_DEVICES to one device, it does nothing.
"""
from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from pathlib import Path

_held = []  # keep lock files open for the life of the process


def visible_gpus() -> list[str]:
    env = os.environ.get("CUDA_VISIBLE_DEVICES")
    if env is not None:
        return [d for d in env.split(",") if d.strip()]
    try:
        out = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [str(i) for i, line in enumerate(out.splitlines()) if line.startswith("GPU ")]


def claim_gpu(lock_dir: str | os.PathLike = ".snakemake/gpu-slots", poll_s: float = 5.0) -> str | None:
    """Lock one free GPU and make it the only visible one; returns its id (None: nothing to choose)."""
    gpus = visible_gpus()
    if len(gpus) <= 1:
        return gpus[0] if gpus else None
    lock_dir = Path(lock_dir)
    lock_dir.mkdir(parents=True, exist_ok=True)
    while True:
        for gpu in gpus:
            fh = open(lock_dir / f"gpu{gpu}.lock", "w")
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                fh.close()
                continue
            _held.append(fh)
            os.environ["CUDA_VISIBLE_DEVICES"] = gpu
            print(f"claimed GPU {gpu}", file=sys.stderr)
            return gpu
        time.sleep(poll_s)  # more GPU jobs than GPUs: `--resources gpu=N` should prevent this
