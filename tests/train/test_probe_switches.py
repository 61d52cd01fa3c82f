"""The authors'-code protocol switches of the continual-learning run (docs/decisions.md, fidelity to the authors' code): the per-task first-class
probe batch, the batch-mean saturation gradient, the probe at task start and the all-logit online accuracy."""
import json

import numpy as np
import pandas as pd
import pytest
import torch

from lop.config import resolve_config
from lop.data.device import DeviceImages
from lop.train.continual import Variant, _first_class_indices, run_continual
from lop.models import build_model
from lop.probing import probe_metrics
from tiny_continual import data, data_dir  # noqa: F401 - the tiny synthetic dataset fixtures


def _cfg(**probe):
    cfg = resolve_config(preset="small")
    cfg["continual"]["probe"].update(size=20, every=5, **probe)
    cfg["continual"].update(num_tasks=3, classes_per_task=2, steps_per_task=12)
    cfg["models"]["mlp"] = {"width": 16, "depth": 2}
    return cfg


def _run(cfg, data, out, seed=0):
    run_continual(cfg, arch="mlp", variant=Variant(), seed=seed, data=data, out_dir=out, progress=False)
    return pd.read_parquet(out / "metrics.parquet"), json.loads((out / "run.json").read_text())


@pytest.fixture
def run(data, tmp_path):
    return lambda cfg, name: _run(cfg, data, tmp_path / name)


def test_first_class_probe_is_the_current_tasks_first_class_every_task(run):
    _, rec = run(_cfg(selection="first_class"), "first")
    assert rec["probe_classes"] == [[t[0]] for t in rec["task_classes"]]
    assert len({c[0] for c in rec["probe_classes"]}) == 3  # re-taken per task, not the run's first class
    _, rec = run(_cfg(selection="balanced"), "bal")
    assert rec["probe_classes"] == [sorted(t) for t in rec["task_classes"]]


def test_first_class_indices_are_the_first_images_in_dataset_order():
    y = np.array([2, 0, 2, 1, 2, 2, 0])
    data = DeviceImages(np.zeros((7, 4, 4, 3), np.uint8), y, "cpu")
    assert _first_class_indices(data, [2, 0], 3).tolist() == [0, 2, 4]
    assert _first_class_indices(data, [0, 1], 10).tolist() == [1, 6]


def test_mean_reduction_divides_the_saturation_gradient_by_the_probe_size():
    torch.manual_seed(0)
    model = build_model("mlp", in_shape=(3, 4, 4), num_classes=4, width=16, depth=2)
    x, y, cols = torch.randn(32, 3, 4, 4), torch.randint(0, 2, (32,)), torch.tensor([1, 3])
    differ = False
    for ratio in np.logspace(-6, 1, 29):
        th = {"dead_eps": 1e-7, "dead_frac": 0.95, "duplicate_cos": 0.95, "saturated_ratio": float(ratio),
              "saturated_frac": 0.5}
        mean = probe_metrics(model, x, y, cols, th, grad_reduction="mean")
        summed = probe_metrics(model, x, y, cols, {**th, "saturated_ratio": float(ratio) * 32})
        for layer in ("fc1", "fc2"):  # G_mean = G_sum / 32 exactly (a power of two)
            assert mean[(layer, "saturated_fraction")] == summed[(layer, "saturated_fraction")]
        same = probe_metrics(model, x, y, cols, th)
        differ |= bool(mean[("mean", "saturated_fraction")] > same[("mean", "saturated_fraction")])
        assert mean[("mean", "effective_rank")] == same[("mean", "effective_rank")]
    assert differ
    with pytest.raises(ValueError, match="grad_reduction"):
        probe_metrics(model, x, y, cols, th, grad_reduction="max")


def test_probe_at_task_start_adds_rows_and_leaves_training_alone(run):
    ref, _ = run(_cfg(), "ref")
    df, _ = run(_cfg(at_task_start=True), "start")
    rank = df[(df.metric == "effective_rank") & (df.layer == "mean")]
    starts = rank[rank.step.isin([0, 12, 24]) & (rank.task == rank.step // 12)]
    assert sorted(starts.task) == [0, 1, 2]
    sat = df[(df.metric == "saturated_fraction") & (df.layer == "mean")].merge(starts[["step", "task"]])
    # The shared head is zeroed at every task start, so dLoss/dH = 0 there: every unit reads saturated.
    assert (sat.value == 1.0).all()
    merged = ref.merge(df, on=["step", "task", "layer", "metric"], suffixes=("", "_start"))
    assert len(merged) == len(ref) and (merged.value == merged.value_start).all()


def test_all_logit_online_accuracy_never_exceeds_the_active_one(run):
    cfg = _cfg()
    ref, _ = run(cfg, "active")
    cfg["continual"]["online_accuracy"] = "all"
    df, _ = run(cfg, "all")
    on = lambda d, m: d[(d.layer == "online") & (d.metric == m)].value.to_numpy()  # noqa: E731
    assert np.array_equal(on(ref, "loss"), on(df, "loss"))  # training is untouched
    a, b = on(ref, "accuracy"), on(df, "accuracy")
    assert (b <= a).all() and (b < a).any()
