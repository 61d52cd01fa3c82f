"""benchmarks.step_profile prices the cloning log points by counting them: the count must be the trainer's."""
import numpy as np

from benchmarks.step_profile import cloning_log_points
from lop.config import resolve_config
from lop.data.synthetic import make_synthetic
from lop.train.cloning import run_cloning


def test_cloning_log_points_are_the_trainers():
    cfg = resolve_config(preset="small")
    cfg["device"] = "cpu"
    c = cfg["cloning"]
    c.update(synthetic_classes=3, stage1_steps=7, stage2_steps=9, log_every=4, batch_size=8, eval_size=16)
    c["probe"]["size"] = 16
    s = cfg["data"]["synthetic"]
    x, y = make_synthetic(num_classes=3, per_class=8, image_size=s["image_size"], seed=0)
    xt, yt = make_synthetic(num_classes=3, per_class=4, image_size=s["image_size"], seed=0, split="test")
    data = {"x_train": x, "y_train": y, "x_test": xt, "y_test": yt, "meta": {"num_classes": 3}}
    t = run_cloning(cfg, arch="mlp", variant="sgd", seed=0, data=data, progress=False)
    evals = t[(t.metric == "test_loss") & (t.model == "base")]
    n1, n2 = (int(np.sum(evals.phase == ph)) for ph in ("stage1", "stage2"))
    probes = t[(t.metric == "r2_forward") & (t.layer == "mean")]
    assert (n1, n2) == cloning_log_points(7, 9, 4) == (2, 4) and len(probes) == n2
