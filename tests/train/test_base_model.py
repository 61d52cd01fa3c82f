"""Which base model a cloning run compares its clone with (v1 cloning experiment, Figures 2.1, B.7-B.14;
docs/cloning_experiment.md).

Noisy SGD is the clone's stage-2 perturbation: the base trains with plain SGD, so for one seed the base's
whole trajectory (stage 1 and stage 2: losses, accuracies, effective ranks at every log point) is bitwise
the `sgd` run's under every `noisy-*` variant, while the clones differ. Adam and dropout are the training
method of both models (as in the authors' code), so their bases differ from the SGD base."""
import numpy as np
import pytest

from lop.config import resolve_config
from lop.data.synthetic import make_synthetic
from lop.train.cloning import base_spec, run_cloning
from lop.variants.cloning import parse_variant, variant_name


@pytest.fixture(scope="module")
def tiny():
    cfg = resolve_config(preset="small")
    c = cfg["cloning"]
    c.update(stage1_steps=8, stage2_steps=8, log_every=4, batch_size=16, eval_size=40)
    c["probe"]["size"] = 32
    cfg["models"]["mlp"] = {"width": 16, "depth": 3}
    x, y = make_synthetic(num_classes=4, per_class=24, image_size=8, seed=0, split="train")
    xt, yt = make_synthetic(num_classes=4, per_class=10, image_size=8, seed=0, split="test")
    return cfg, {"x_train": x, "y_train": y, "x_test": xt, "y_test": yt, "meta": {"num_classes": 4}}


def _rows(df, model):
    d = df[df.model == model].sort_values(["phase", "step", "layer", "metric"])
    return d[["phase", "step", "layer", "metric"]].to_numpy().tolist(), d.value.to_numpy()


def _noisy_variants():
    """Every noisy-* variant of the paper's and the small preset's grids."""
    names = set()
    for preset in ("paper", "small"):
        g = resolve_config(preset=preset)["cloning"]["noisy_sgd"]
        names |= {variant_name("noisy_sgd", sigma0=s, decay=d) for s in g["sigma0"] for d in g["decay"]}
    return sorted(names)


@pytest.fixture(scope="module")
def sgd_run(tiny):
    cfg, data = tiny
    return run_cloning(cfg, arch="mlp", variant="sgd", seed=3, data=data, progress=False)


def test_noisy_sgd_base_trajectory_is_bitwise_the_sgd_base(tiny, sgd_run):
    cfg, data = tiny
    keys, ref = _rows(sgd_run, "base")
    _, ref_clone = _rows(sgd_run, "clone")
    variants = _noisy_variants()
    assert len(variants) >= 15  # the paper grid alone is 3 sigma0 x 5 lambda
    for v in variants:
        df = run_cloning(cfg, arch="mlp", variant=v, seed=3, data=data, progress=False)
        k, base = _rows(df, "base")
        assert k == keys and len(base) > 10
        assert np.array_equal(base, ref), f"{v}: the base model saw the clone's noise"
        _, clone = _rows(df, "clone")
        assert not np.array_equal(clone, ref_clone), f"{v}: the clone got no noise"


@pytest.mark.parametrize("variant", ["adam", "dropout-p0.2"])
def test_adam_and_dropout_train_the_base_with_the_same_method(tiny, sgd_run, variant):
    cfg, data = tiny
    df = run_cloning(cfg, arch="mlp", variant=variant, seed=3, data=data, progress=False)
    _, ref = _rows(sgd_run, "base")
    _, base = _rows(df, "base")
    assert not np.allclose(base, ref)
    assert base_spec(parse_variant(variant)) == parse_variant(variant)


def test_base_spec_strips_only_the_noise():
    assert base_spec(parse_variant("noisy-s0.05-l0.9")) == {"method": "sgd", "dropout": 0.0}
    assert base_spec(parse_variant("sgd")) == parse_variant("sgd")
