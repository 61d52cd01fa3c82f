"""Build small continual-learning figure tables in a fresh process (used by test_cross_platform.py).

    python xplat_build.py OUT_DIR [CONFIG_JSON]

Trains the small preset's MLP (plain, and with batch norm and dropout) and CNN (4 seeds, 6 tasks x 40 steps, probe
every 10 steps) on synthetic data and writes the tables of Figures 3.1, 3.2, 4.1, B.5 and B.6 to OUT_DIR. The
caller chooses the process: its environment (e.g. another CPU kernel path) and its source tree
(PYTHONPATH, e.g. a copy with a planted bug). CONFIG_JSON is merged into `continual` (e.g. thresholds).
"""
import json
import sys
from pathlib import Path

import torch

from lop.config import resolve_config
from lop.data.arrays import load_arrays, save_arrays
from lop.data.synthetic import make_synthetic
from lop.figtables import continual as tables
from lop.figtables.runs import load_runs
from lop.train.continual import run_continual
from lop.variants.continual import Variant

FIGURES = ("fig3_1", "fig3_2", "fig4_1", "figB_5", "figB_6")
torch.set_num_threads(1)
out = Path(sys.argv[1])
cfg = resolve_config(preset="small")
cc = cfg["continual"]
cc.update(num_tasks=6, steps_per_task=40, seeds=[0, 1, 2, 3])
cc["probe"].update(every=10, size=100)
for key, value in (json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}).items():
    cc[key] = {**cc[key], **value} if isinstance(value, dict) else value
data = out / "data"
x, y = make_synthetic(num_classes=30, per_class=40, image_size=16, seed=0)
save_arrays(data, x_train=x, y_train=y, x_test=x[:10], y_test=y[:10], meta={"name": "synthetic", "num_classes": 30})
arrays = load_arrays(data)
for arch, variant in (("mlp", "none"), ("mlp", "batch-affine_drop0.1"), ("cnn", "none")):
    for seed in cc["seeds"]:
        d = out / "runs" / f"{arch}_{variant}_{seed}"
        run_continual(cfg, arch=arch, variant=Variant.parse(variant), seed=seed, data=arrays, out_dir=d,
                      progress=False)
df = load_runs([d / "metrics.parquet" for d in (out / "runs").iterdir()])
for fig in FIGURES:
    getattr(tables, fig)(df, {"window_steps": 20}).to_csv(out / f"{fig}.csv", index=False)
