"""Checkpoints of cloning, bit-flip and continual runs, one format (library level, exact): a run stopped at a checkpoint and
resumed writes exactly the table of an uninterrupted run; a checkpoint of another run, or an unreadable
one, is ignored rather than resumed from."""
import pandas as pd
import pytest

from lop.config import resolve_config
from lop.data.arrays import load_arrays, save_arrays
from lop.data.synthetic import make_synthetic
from lop.train.bitflip import run_bitflip
from lop.train.checkpoint import load_state, save_state
from lop.train.cloning import run_cloning


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("syn")
    x, y = make_synthetic(num_classes=4, per_class=16, image_size=8, split="train")
    xt, yt = make_synthetic(num_classes=4, per_class=4, image_size=8, split="test")
    save_arrays(d, x_train=x, y_train=y, x_test=xt, y_test=yt, meta={"name": "synthetic"})
    return load_arrays(d)


def cloning_cfg():
    cfg = resolve_config(preset="small")
    cfg["cloning"].update(stage1_steps=9, stage2_steps=9, log_every=4, eval_size=16, checkpoint_every=3,
                          batch_size=8, probe={"size": 16, "max_rank_rows": 1024})
    cfg["models"]["cnn"] = {"channels": [4, 4], "fc": 8}
    return cfg


@pytest.mark.parametrize("arch,variant", [("mlp", "noisy-s0.01-l0.999"), ("cnn", "dropout-p0.1"), ("mlp", "adam")])
@pytest.mark.parametrize("stop", [(1, 6), (2, 3)], ids=["stage1", "stage2"])
def test_cloning_resumes_to_identical_tables(data, tmp_path, capsys, arch, variant, stop):
    cfg = cloning_cfg()
    full = run_cloning(cfg, arch=arch, variant=variant, seed=1, data=data, progress=False)
    ck = tmp_path / "checkpoint.pkl"
    assert run_cloning(cfg, arch=arch, variant=variant, seed=1, data=data, progress=False, checkpoint=ck,
                       stop_after=stop) is None
    assert ck.exists()
    resumed = run_cloning(cfg, arch=arch, variant=variant, seed=1, data=data, out_dir=tmp_path, progress=False,
                          checkpoint=ck)
    assert f"resumed from {ck} at stage {stop[0]} step {stop[1]}" in capsys.readouterr().err
    pd.testing.assert_frame_equal(resumed, full, check_exact=True)
    assert not ck.exists()  # removed once the run's table is written


def test_cloning_ignores_a_checkpoint_of_another_seed(data, tmp_path, capsys):
    cfg = cloning_cfg()
    ck = tmp_path / "checkpoint.pkl"
    run_cloning(cfg, arch="mlp", variant="sgd", seed=1, data=data, progress=False, checkpoint=ck, stop_after=(2, 6))
    other = run_cloning(cfg, arch="mlp", variant="sgd", seed=2, data=data, progress=False, checkpoint=ck)
    assert "ignoring checkpoint" in capsys.readouterr().err
    pd.testing.assert_frame_equal(other, run_cloning(cfg, arch="mlp", variant="sgd", seed=2, data=data, progress=False))


def test_unreadable_checkpoint_is_ignored(tmp_path, capsys):
    ck = tmp_path / "checkpoint.pkl"
    save_state(ck, {"run": 1}, {"step": 5})
    assert load_state(ck, {"run": 1}) == {"step": 5}
    ck.write_bytes(ck.read_bytes()[:10])
    assert load_state(ck, {"run": 1}) is None
    assert "ignoring unreadable checkpoint" in capsys.readouterr().err


def bitflip_cfg():
    cfg = resolve_config(preset="small")
    cfg["bitflip"].update(n_samples=60000, chunk=10000, checkpoint_every=10000, switch=0.5)
    cfg["bitflip"]["metrics"].update(gaussianity_every=20000, probe_size=100)
    return cfg


@pytest.mark.parametrize("stop", [20000, 40000], ids=["sgd-phase", "cbp-phase"])
def test_bitflip_resumes_to_identical_tables(tmp_path, capsys, stop):
    cfg = bitflip_cfg()
    kw = dict(width=10, switch=0.5, seed=3, data=None)
    full = run_bitflip(cfg, **kw, out_dir=tmp_path / "full")  # no checkpoint: never checkpointed
    pd.testing.assert_frame_equal(full, pd.read_parquet(tmp_path / "full" / "metrics.parquet"))  # as written
    ck = tmp_path / "part" / "checkpoint.pkl"
    assert run_bitflip(cfg, **kw, out_dir=tmp_path / "part", checkpoint=ck, stop_after=stop) is None
    assert ck.exists() and not (tmp_path / "part" / "metrics.parquet").exists()
    run_bitflip(cfg, **kw, out_dir=tmp_path / "part", checkpoint=ck)
    assert f"at sample {stop}" in capsys.readouterr().err
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "part" / "metrics.parquet"),
                                  pd.read_parquet(tmp_path / "full" / "metrics.parquet"), check_exact=True)
    assert not (tmp_path / "part" / "checkpoint.pkl").exists()


def test_bitflip_checkpoint_interval_must_fit_the_chunks():
    cfg = bitflip_cfg()
    cfg["bitflip"]["checkpoint_every"] = 15000
    with pytest.raises(ValueError, match=r"bitflip.checkpoint_every \(15000\) must be a multiple of bitflip.chunk"):
        run_bitflip(cfg, width=10, switch=0.5, seed=0, data=None)


def test_continual_checkpoints_share_the_format(tmp_path, capsys):
    """The continual run writes the same tagged pickle as the other families, so an unreadable one also
    starts the run afresh instead of failing it."""
    from tiny_continual import tiny_cfg

    from lop.train.continual import Variant, run_continual

    d = tmp_path / "syn"
    x, y = make_synthetic(num_classes=6, per_class=30, image_size=8, seed=0)
    xt, yt = make_synthetic(num_classes=6, per_class=5, image_size=8, seed=0, split="test")
    save_arrays(d, x_train=x, y_train=y, x_test=xt, y_test=yt, meta={"name": "synthetic"})
    kw = dict(arch="mlp", variant=Variant(), seed=1, data=load_arrays(d), progress=False)
    ck = tmp_path / "part" / "checkpoint.pt"
    run_continual(tiny_cfg(), out_dir=tmp_path / "part", checkpoint=ck, stop_after=9, **kw)
    with open(ck, "rb") as fh:
        ident = __import__("pickle").load(fh)["ident"]
    assert load_state(ck, ident)["step"] == 7  # checkpoint_every 7
    ck.write_bytes(ck.read_bytes()[:10])
    run_continual(tiny_cfg(), out_dir=tmp_path / "part", checkpoint=ck, **kw)
    assert "ignoring unreadable checkpoint" in capsys.readouterr().err
    run_continual(tiny_cfg(), out_dir=tmp_path / "full", **kw)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "full" / "metrics.parquet"),
                                  pd.read_parquet(tmp_path / "part" / "metrics.parquet"))
    assert not ck.exists()
