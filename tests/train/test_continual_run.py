"""Continual-learning runs: determinism, resume after a kill, clear failures that leave no output."""
import copy

import pandas as pd
import pytest
import torch

from tiny_continual import data, data_dir, tiny_cfg  # noqa: F401 - the shared synthetic-data fixtures

from lop.train.continual import Variant, run_continual, task_classes


def test_same_seed_gives_identical_tables(data, tmp_path):
    cfg = tiny_cfg()
    returned = [run_continual(cfg, arch="cnn", variant=Variant("batch", True, 0.1), seed=3, data=data,
                              out_dir=tmp_path / k, progress=False) for k in ("a", "b")]
    a, b = (pd.read_parquet(tmp_path / k / "metrics.parquet") for k in ("a", "b"))
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(returned[0], a)  # the entry point returns the table it wrote
    assert set(a.layer) == {"online", "mean", "conv1", "conv2", "fc"}
    assert a[(a.layer == "online") & (a.metric == "accuracy")].step.max() == 36
    # probes every 5 steps and at each task end
    assert sorted(a[a.metric == "effective_rank"].step.unique()) == [5, 10, 12, 15, 20, 24, 25, 30, 35, 36]


def test_killed_run_resumes_to_identical_tables(data, tmp_path):
    cfg = tiny_cfg()
    kw = dict(arch="mlp", variant=Variant("none", True, 0.1), seed=1, data=data, progress=False)
    run_continual(cfg, out_dir=tmp_path / "full", **kw)
    ck = tmp_path / "part" / "checkpoint.pt"
    assert run_continual(cfg, out_dir=tmp_path / "part", checkpoint=ck, stop_after=16, **kw) is None  # "killed"
    assert ck.exists() and not (tmp_path / "part" / "metrics.parquet").exists()
    run_continual(cfg, out_dir=tmp_path / "part", checkpoint=ck, **kw)  # resumes from step 14
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "full" / "metrics.parquet"),
                                  pd.read_parquet(tmp_path / "part" / "metrics.parquet"))
    assert not ck.exists()


def test_checkpoint_of_another_run_is_ignored(data, tmp_path):
    cfg = tiny_cfg()
    ck = tmp_path / "checkpoint.pt"
    run_continual(cfg, arch="mlp", variant=Variant(), seed=1, data=data, out_dir=tmp_path, checkpoint=ck,
                  stop_after=8, progress=False)
    run_continual(cfg, arch="mlp", variant=Variant(), seed=2, data=data, out_dir=tmp_path / "s2",
                  checkpoint=ck, progress=False)
    ref = tmp_path / "ref"
    run_continual(cfg, arch="mlp", variant=Variant(), seed=2, data=data, out_dir=ref, progress=False)
    pd.testing.assert_frame_equal(pd.read_parquet(ref / "metrics.parquet"), pd.read_parquet(tmp_path / "s2" / "metrics.parquet"))


def test_divergence_fails_loudly_without_output(data, tmp_path):
    cfg = tiny_cfg()
    cfg["divergence"] = "fail"  # the default, `record`, is tested in tests/train/test_divergence.py
    cfg["continual"]["lr"]["mlp"] = 1e12
    with pytest.raises(FloatingPointError, match="continual.lr.mlp"):
        run_continual(cfg, arch="mlp", variant=Variant(), seed=0, data=data, out_dir=tmp_path, progress=False)
    assert not (tmp_path / "metrics.parquet").exists()


def test_too_many_tasks_for_the_dataset():
    with pytest.raises(ValueError, match="dataset has 6"):
        task_classes(6, 4, 2, seed=0)
    t = task_classes(10, 2, 5, seed=0)
    assert sorted(t.ravel().tolist()) == list(range(10))


def test_upstream_protocol_counts_epochs(data, tmp_path):
    cfg = tiny_cfg(protocol="upstream", epochs_per_task=2)
    cfg["continual"]["batch_size"]["mlp"] = 16
    cfg["continual"]["probe"]["selection"] = "first_class"
    run_continual(cfg, arch="mlp", variant=Variant(), seed=0, data=data, out_dir=tmp_path, progress=False)
    df = pd.read_parquet(tmp_path / "metrics.parquet")
    # 60 images per task, batch 16 -> 4 steps per epoch, 2 epochs, 3 tasks
    assert df[df.layer == "online"].step.max() == 3 * 2 * 4
