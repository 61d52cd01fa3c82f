"""The divergence policy (config `divergence`, lop.train.divergence): under `record` a diverged run
is data - finite values up to the divergence, NaN after, a `diverged_at` row and run.json `diverged` -
and the figure table averages the surviving seeds with `n_seeds` showing the loss; under `fail` the job
fails naming the run and the learning-rate key, writing nothing."""
import json

import numpy as np
import pandas as pd
import pytest

from lop.config import resolve_config
from lop.data.arrays import load_arrays, save_arrays
from lop.data.synthetic import make_synthetic
from lop.train.bitflip import run_bitflip
from lop.train.cloning import run_cloning
from lop.train.continual import Variant, run_continual
from lop.figtables.runs import load_runs, over_seeds


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("syn")
    x, y = make_synthetic(num_classes=6, per_class=20, image_size=8, split="train")
    xt, yt = make_synthetic(num_classes=6, per_class=4, image_size=8, split="test")
    save_arrays(d, x_train=x, y_train=y, x_test=xt, y_test=yt, meta={"name": "synthetic"})
    return load_arrays(d)


def continual_cfg(lr):
    cfg = resolve_config(preset="small")
    cfg["continual"].update(num_tasks=2, classes_per_task=3, steps_per_task=10)
    cfg["continual"]["probe"].update(size=12, every=5, selection="balanced", max_rank_rows=1024)
    cfg["continual"]["lr"]["mlp"] = lr
    return cfg


def test_continual_divergence_is_recorded_and_shown_by_n_seeds(data, tmp_path):
    stable, unstable = continual_cfg(1e-2), continual_cfg(1e12)
    assert stable["divergence"] == "record"  # the default
    run_continual(stable, arch="mlp", variant=Variant(), seed=0, data=data, out_dir=tmp_path / "s0", progress=False)
    run_continual(unstable, arch="mlp", variant=Variant(), seed=1, data=data, out_dir=tmp_path / "s1", progress=False)
    t = pd.read_parquet(tmp_path / "s1" / "metrics.parquet")
    at = json.loads((tmp_path / "s1" / "run.json").read_text())["diverged"]["step"]
    assert 1 <= at <= 20
    marker = t[t.metric == "diverged_at"]
    assert marker.value.tolist() == [float(at)] and marker.step.tolist() == [at]
    rest = t[t.metric != "diverged_at"]
    assert rest[rest.step >= at].value.isna().all()            # nothing measured on a NaN network
    assert np.isfinite(rest[rest.step < at].value).all()       # what came before is kept
    assert json.loads((tmp_path / "s0" / "run.json").read_text())["diverged"] is None
    runs = load_runs([tmp_path / "s0" / "metrics.parquet", tmp_path / "s1" / "metrics.parquet"])
    loss = over_seeds(runs[(runs.layer == "online") & (runs.metric == "loss")], ["step"])
    assert (loss[loss.step >= at].n_seeds == 1).all() and (loss[loss.step < at].n_seeds == 2).all()


def test_continual_divergence_fails_under_fail(data, tmp_path):
    cfg = continual_cfg(1e12)
    cfg["divergence"] = "fail"
    with pytest.raises(FloatingPointError, match=r"mlp/none/seed0: training loss became non-finite at step \d+; "
                                                 r"lower continual.lr.mlp"):
        run_continual(cfg, arch="mlp", variant=Variant(), seed=0, data=data, out_dir=tmp_path, progress=False)
    assert not (tmp_path / "metrics.parquet").exists() and not (tmp_path / "run.json").exists()


def test_cloning_divergence_is_recorded(data, tmp_path):
    cfg = resolve_config(preset="small")
    cfg["cloning"].update(stage1_steps=6, stage2_steps=6, log_every=2, eval_size=12, batch_size=8, lr=1e12)
    cfg["cloning"]["probe"].update(size=12, max_rank_rows=1024)
    df = run_cloning(cfg, arch="mlp", variant="sgd", seed=0, data=data, out_dir=tmp_path, progress=False)
    rec = json.loads((tmp_path / "run.json").read_text())["diverged"]
    assert rec["phase"] in ("stage1", "stage2")
    marker = df[df.metric == "diverged_at"]
    assert len(marker) == 1 and marker.value.iloc[0] == rec["step"]
    first = int(np.flatnonzero(((df.phase == rec["phase"]) & (df.step == rec["step"])).to_numpy())[0])
    assert df.iloc[first:-1].value.isna().all() and np.isfinite(df.iloc[:first].value).all()
    cfg["divergence"] = "fail"
    with pytest.raises(FloatingPointError, match="lower cloning.lr / adam_lr"):
        run_cloning(cfg, arch="mlp", variant="sgd", seed=0, data=data, out_dir=tmp_path / "f", progress=False)
    assert not (tmp_path / "f").exists()


def test_bitflip_divergence_is_recorded(tmp_path):
    cfg = resolve_config(preset="small")
    cfg["bitflip"].update(n_samples=20000, chunk=10000, lr=1e6, checkpoint_every=0)
    cfg["bitflip"]["metrics"].update(gaussianity_every=0, probe_size=100)
    kw = dict(width=10, switch=cfg["bitflip"]["switch"], seed=0, data=None)
    run_bitflip(cfg, **kw, out_dir=tmp_path)
    rec = json.loads((tmp_path / "run.json").read_text())["diverged"]
    t = pd.read_parquet(tmp_path / "metrics.parquet")
    assert t[t.metric == "diverged_at"].value.tolist() == [float(rec["step"])]
    assert t[(t.metric != "diverged_at") & (t.step >= rec["step"])].value.isna().all()
    cfg["divergence"] = "fail"
    with pytest.raises(FloatingPointError, match="lower bitflip.lr"):
        run_bitflip(cfg, **kw, out_dir=tmp_path / "f")
    assert not (tmp_path / "f" / "metrics.parquet").exists()
