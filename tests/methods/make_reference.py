"""Regenerate tests/methods/data/reference_*.parquet: tiny continual runs made with the code BEFORE the method
interface existed (commit 60be661), so that `method: none` can be checked to be bitwise today's behaviour.

    git worktree add /tmp/old 60be661 && cd /tmp/old && PYTHONPATH=$PWD python <this file> <out dir>
    python tests/methods/make_reference.py --record-platform   # then, from this checkout

Bitwise equality holds on one platform only (CPU vector extensions, MKL / oneDNN paths): the second command
records this machine in tests/methods/data/platform.json, and the test runs only where the tables were made.

The trainer's Adam later became the fused kernel (lop.train.runtime.make_optimizer), an intended change
of the last float bits. The tables were then regenerated once with this file from the tree that made the
change (`PYTHONPATH=$PWD python tests/methods/make_reference.py <out dir>`), after checking that the tree
just before it still reproduced the 60be661 tables exactly. The CNN, ResNet and ViT runs moved by float
rounding (loss <= 1.2e-7, effective rank <= 1.3e-6 apart; the batch-norm CNN's rank <= 0.012); the MLP run,
whose 36 steps amplify rounding, moved by one batch's worth (mean online accuracy 0.5074 -> 0.5078, mean
dead fraction 0.545 -> 0.548). Regenerated a second time the same way when the CPU tiers (whose `small`
preset these runs use) turned on `performance.channels_last` (NHWC conv nets): the CNN and ResNet runs moved
by float rounding (loss <= 2e-7, effective rank <= 3.1e-6; the batch-norm CNN's ranks <= 0.022), the MLP
and ViT runs not at all.
Only rerun it on purpose (a change that is meant to alter the plain-Adam runs); the test compares exactly.
"""
import sys
from pathlib import Path

import torch

from lop.config import resolve_config
from lop.data.arrays import load_arrays, save_arrays
from lop.data.synthetic import make_synthetic
from lop.train.continual import Variant, run_continual

# (arch, variant, seed) of the frozen runs: every arch plain, and one run with batch norm and dropout
# (dropout draws from the global RNG, which no method may disturb).
CASES = [("mlp", "none", 1), ("cnn", "none", 2), ("resnet", "none", 0), ("vit", "none", 3), ("cnn", "batch-affine_drop0.1", 4)]


def tiny_data(d: Path) -> Path:
    x, y = make_synthetic(num_classes=6, per_class=30, image_size=8, seed=0)
    xt, yt = make_synthetic(num_classes=6, per_class=5, image_size=8, seed=0, split="test")
    save_arrays(d, x_train=x, y_train=y, x_test=xt, y_test=yt, meta={"name": "synthetic"})
    return d


def tiny_cfg():
    cfg = resolve_config(preset="small")
    # update, not replace: keys added after the fixtures were made keep their (behaviour-preserving) defaults
    cfg["continual"].update(num_tasks=3, classes_per_task=2, steps_per_task=12, checkpoint_every=0)
    cfg["continual"]["probe"].update(size=20, every=5, selection="balanced", max_rank_rows=1024)
    cfg["models"]["cnn"].update(channels=[4, 4], fc=8)
    cfg["models"]["resnet"].update(width=4, blocks=[1, 1])
    cfg["models"]["vit"].update(patch=4, dim=16, depth=1, heads=2, mlp_ratio=2)
    return cfg


if __name__ == "__main__" and sys.argv[1:] == ["--record-platform"]:
    import json

    from lop.provenance import platform_fingerprint

    (Path(__file__).parent / "data/platform.json").write_text(json.dumps([platform_fingerprint()], indent=1) + "\n")
elif __name__ == "__main__":
    torch.set_num_threads(1)
    out = Path(sys.argv[1])
    data = load_arrays(tiny_data(out / "data"))
    for arch, variant, seed in CASES:
        run = out / f"{arch}_{variant}_seed{seed}"
        run_continual(tiny_cfg(), arch=arch, variant=Variant.parse(variant), seed=seed, data=data,
                      out_dir=run, progress=False)
        (run / "metrics.parquet").rename(out / f"reference_{arch}_{variant}_seed{seed}.parquet")
