"""The cloning experiment end to end in-process (lop.train.cloning) on a tiny synthetic set:
plain SGD and Adam keep the clone exactly on the cloning manifold (R^2 = 1), Noisy SGD and dropout
leave it (R^2 < 1); outputs are a tidy table + run.json; variants parse and round-trip."""
import copy
import json

import pytest

from lop.config import resolve_config
from lop.data.synthetic import make_synthetic
from lop.train.cloning import run_cloning
from lop.variants.cloning import parse_variant, variant_name


@pytest.fixture(scope="module")
def tiny():
    cfg = resolve_config(preset="small")
    c = cfg["cloning"]
    c.update(stage1_steps=20, stage2_steps=30, log_every=10, batch_size=32, eval_size=100)
    c["probe"]["size"] = 64
    x, y = make_synthetic(num_classes=4, per_class=40, image_size=8, seed=0, split="train")
    xt, yt = make_synthetic(num_classes=4, per_class=10, image_size=8, seed=0, split="test")
    return cfg, {"x_train": x, "y_train": y, "x_test": xt, "y_test": yt, "meta": {"num_classes": 4}}


def _final(df, metric, model="clone", layer="mean"):
    s2 = df[(df.phase == "stage2") & (df.model == model) & (df.layer == layer) & (df.metric == metric)]
    return s2[s2.step == s2.step.max()].value.item()


@pytest.mark.parametrize("variant", ["sgd", "adam"])
def test_sgd_and_adam_stay_cloned(tiny, variant, tmp_path):
    cfg, data = tiny
    df = run_cloning(cfg, arch="mlp", variant=variant, seed=0, data=data, out_dir=tmp_path, progress=False)
    for layer in ("fc1", "fc3", "fc5", "mean"):
        assert _final(df, "r2_forward", layer=layer) == pytest.approx(1.0, abs=1e-9)
        assert _final(df, "r2_backward", layer=layer) == pytest.approx(1.0, abs=1e-9)
    # function preserved at cloning, and both models trained (losses logged for both)
    assert df[df.metric == "output_match_error"].value.item() < 1e-5
    assert {"base", "clone"} <= set(df[df.metric == "train_loss"].model)
    rec = json.loads((tmp_path / "run.json").read_text())
    assert rec["arch"] == "mlp" and rec["variant"] == variant and rec["stage2_steps"] == 30
    assert (tmp_path / "metrics.parquet").exists()
    assert list(df.columns) == ["arch", "variant", "seed", "phase", "step", "model", "layer", "metric", "value"]


@pytest.mark.parametrize("variant", ["noisy-s0.05-l1", "dropout-p0.2"])
def test_noise_and_dropout_break_the_symmetry(tiny, variant):
    cfg, data = tiny
    df = run_cloning(cfg, arch="mlp", variant=variant, seed=0, data=data, progress=False)
    assert _final(df, "r2_forward") < 1 - 1e-6
    assert _final(df, "r2_backward") < 1 - 1e-6
    # but at the moment of cloning the copies are exact
    s0 = df[(df.phase == "stage2") & (df.step == 0) & (df.metric == "r2_forward") & (df.layer == "mean")]
    assert s0.value.item() == pytest.approx(1.0, abs=1e-9)


def test_cnn_clone_with_sgd_stays_cloned(tiny):
    cfg, data = tiny
    cfg = copy.deepcopy(cfg)
    cfg["models"]["cnn"] = {"channels": [4, 8], "fc": 16}
    df = run_cloning(cfg, arch="cnn", variant="sgd", seed=1, data=data, progress=False)
    assert _final(df, "r2_forward") == pytest.approx(1.0, abs=1e-9)
    assert _final(df, "effective_rank") > 0 and _final(df, "effective_rank", model="base") > 0


def test_variant_names_round_trip_and_bad_names_fail():
    for method, kw in (("sgd", {}), ("adam", {}), ("noisy_sgd", {"sigma0": 0.01, "decay": 0.999}),
                       ("noisy_sgd", {"sigma0": 0.05, "decay": 0.0}), ("dropout", {"p": 0.1})):
        name = variant_name(method, **kw)
        spec = parse_variant(name)
        assert spec["method"] == method
        assert variant_name(method, **kw) == name
    assert variant_name("noisy_sgd", sigma0=0.01, decay=1.0) == "noisy-s0.01-l1"
    with pytest.raises(ValueError, match="noisy-s"):
        parse_variant("noisy")
    with pytest.raises(ValueError, match="lambda"):
        parse_variant("noisy-s0.01-l1.5")
