"""Synthetic continual-learning runs in the real on-disk format (metrics.parquet + run.json), shaped by
the small preset (archs, seeds, tasks, steps, probe cadence) and the real models' probe names - written
directly, not trained, so that the figure-table tests take seconds."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from lop.variants.continual import Variant
from lop.config import resolve_config
from lop.figures import FIGURES, figure, of_family
from lop.models import build_model, probes
from lop.probing import UNIT_METRICS

REPO = Path(__file__).resolve().parents[2]


def probe_names(cfg: dict, arch: str, variant: str) -> list[str]:
    """The probed layers of `arch` in probe order, from the real model of the preset."""
    v = Variant.parse(variant)
    size = cfg["data"]["synthetic"]["image_size"]
    model = build_model(arch, in_shape=(3, size, size), num_classes=cfg["data"]["synthetic"]["num_classes"],
                        norm=v.norm, affine=v.affine, dropout=v.dropout, **cfg["models"][arch])
    return list(probes(model))


def synthetic_value(arch: str, variant: str, seed: int, layer: str, metric: str, step) -> np.ndarray:
    """A known, distinct value for every series: lets tests recompute a windowed mean exactly."""
    h = (sum(map(ord, arch + variant + layer + metric)) % 97) / 97
    return h + 1e-4 * np.asarray(step, dtype=np.float64) + 0.01 * seed


def write_run(root, cfg: dict, arch: str, variant: str, seed: int, layers: list[str]):
    """One run directory in the format of lop.train.continual.run_continual."""
    cc = cfg["continual"]
    steps_per_task, n_tasks, every = cc["steps_per_task"], cc["num_tasks"], cc["probe"]["every"]
    total = steps_per_task * n_tasks
    step = np.arange(1, total + 1)
    task = (step - 1) // steps_per_task
    frames = [pd.DataFrame({"step": step, "task": task, "layer": "online", "metric": m,
                            "value": synthetic_value(arch, variant, seed, "online", m, step)})
              for m in ("loss", "accuracy")]
    probe_steps = step[(step % every == 0) | (step % steps_per_task == 0)]
    for layer in layers + ["mean"]:
        for m in UNIT_METRICS:
            frames.append(pd.DataFrame({"step": probe_steps, "task": (probe_steps - 1) // steps_per_task,
                                        "layer": layer, "metric": m,
                                        "value": synthetic_value(arch, variant, seed, layer, m, probe_steps)}))
    out = root / arch / variant / f"seed{seed}"
    out.mkdir(parents=True)
    pd.concat(frames, ignore_index=True).to_parquet(out / "metrics.parquet")
    v = Variant.parse(variant)
    (out / "run.json").write_text(json.dumps({
        "experiment": "continual", "arch": arch, "variant": variant, "seed": seed, "norm": v.norm,
        "affine": v.affine, "dropout": v.dropout, "steps": total}))
    return out / "metrics.parquet"


def figure_variants(dropout: float) -> dict[str, list[str]]:
    """{figure: the variants it reads} from the figure registry, at the small preset with this dropout."""
    cfg = resolve_config(preset="small")
    cfg["continual"]["dropout"] = dropout
    return {f.name: list(dict.fromkeys(c["variant"] for c in f.cells(cfg))) for f in of_family("continual")}


def build(fig: str, paths, window: int):
    """The figure table as the pipeline builds it (registry builder, continual table settings)."""
    return figure(fig).build(paths, {"window_steps": window})


def paths_for(runs: dict, cfg: dict, fig: str):
    return [runs[(c["arch"], c["variant"], s)] for c in FIGURES[fig].cells(cfg) for s in cfg["continual"]["seeds"]]


def figure_script(fig: str) -> Path:
    return REPO / "workflow" / "figures" / f"{fig}.py"


def run_script_cli(fig: str, table, out, timeout: float = 120) -> subprocess.CompletedProcess:
    """`python workflow/figures/<fig>.py --table T --out O` as its own process (the CLI path)."""
    return subprocess.run([sys.executable, str(figure_script(fig)), "--table", str(table), "--out", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=timeout)
