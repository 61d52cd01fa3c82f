"""The compiled bit-flip loop equals the plain PyTorch reference sample for sample (same seed): the kernel's CBP is
checked against the one Continual Backprop, lop.methods.cbp.ContinualBackprop.on_linears, which run_reference drives."""
import copy

import numpy as np
import pytest

from lop.config import resolve_config
from lop.train import bitflip as bf
from lop.train import bitflip_kernel as K


def params(**over):
    p = copy.deepcopy(resolve_config(preset="small")["bitflip"])
    p["stream"]["T"] = 200
    p["cbp"].update(replacement_rate=0.02, maturity=20)
    # metrics after every sample on a small probe: per-sample losses and metrics are compared
    p["metrics"].update(every=1, probe_size=40, gaussianity_every=0)
    p["chunk"] = 300
    for k, v in over.items():
        if isinstance(v, dict):
            p[k].update(v)
        else:
            p[k] = v
    return p


CASES = {
    "sgd_only": dict(switch=1.0),
    "cbp_paper_accumulate": dict(switch=0.3),
    "cbp_paper_stochastic": dict(switch=0.3, cbp={"accumulate": False}),
    "cbp_upstream_pre": dict(switch=0.3, cbp={"variant": "upstream"}, metrics={"activations": "pre", "duplicate_cos": 0.98}),
    "cbp_from_start_redraw": dict(switch=0.0, stream={"flip_mode": "redraw"}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_fast_path_equals_reference(case):
    p = params(**copy.deepcopy(CASES[case]))
    n, width = 1200, 12
    fast = bf.run_fast(p, width, seed=1, n_samples=n)
    ref = bf.run_reference(p, width, seed=1, n_samples=n)
    np.testing.assert_allclose(fast["loss"], ref["loss"], rtol=1e-9, atol=1e-12)  # per-sample squared error
    np.testing.assert_allclose(fast["metrics"], ref["metrics"], rtol=1e-6, atol=1e-9)
    for k in ("W1", "b1", "w2", "b2"):
        np.testing.assert_allclose(fast[k], ref[k], rtol=1e-9, atol=1e-12, err_msg=k)
    assert fast["replaced"] == ref["replaced"]
    if case != "sgd_only":
        assert ref["replaced"] > 20
    else:
        assert ref["replaced"] == 0


def test_kernel_metrics_match_direct_definitions():
    rng = np.random.default_rng(0)
    probe = (rng.random((300, 21)) < 0.5).astype(float)
    W1 = rng.normal(size=(40, 21))
    W1[5] = W1[3] * 2.0  # a duplicate (same direction after ReLU)
    W1[9] = -10.0  # dead unit
    b1 = rng.normal(size=40) * 0.1
    b1[5] = b1[3] * 2.0
    for pre in (False, True):
        out = np.zeros(3)
        K.hidden_metrics(probe, W1, b1, pre, 0.95, 1e-7, 0.95, out)
        H = bf.hidden(probe, W1, b1, pre)
        np.testing.assert_allclose(out, bf.reference_metrics(H, 0.95, 1e-7, 0.95), rtol=1e-7)
    out = np.zeros(3)
    K.hidden_metrics(probe, W1, b1, False, 0.95, 1e-7, 0.95, out)
    assert out[1] >= 1 / 40 and out[2] >= 1 / 40


def test_kernel_metrics_match_lop_metrics():
    """lop.metrics (torch, the project-wide definitions of the paper's metrics) on the same probe."""
    metrics = pytest.importorskip("lop.metrics")
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    probe = (rng.random((500, 21)) < 0.5).astype(float)
    W1 = rng.normal(size=(30, 21))
    W1[4] = W1[2] * 3.0
    W1[7] = -10.0
    b1 = np.zeros(30)
    out = np.zeros(3)
    K.hidden_metrics(probe, W1, b1, False, 0.95, 1e-7, 0.95, out)
    H = torch.from_numpy(bf.hidden(probe, W1, b1, False))
    assert float(metrics.effective_rank(H)) == pytest.approx(out[0], rel=1e-6)
    assert float(metrics.duplicate_fraction(H, 0.95)) == pytest.approx(out[1], abs=1e-6)
    assert float(metrics.dead_fraction(H, 1e-7, 0.95)) == pytest.approx(out[2], abs=1e-6)  # float32 mean


def test_bad_config_values_give_clear_errors():
    p = params()
    with pytest.raises(ValueError, match="switch"):
        bf.check_params({**p, "switch": 1.5})
    with pytest.raises(ValueError, match="width"):
        bf.setup(p, 0, seed=0)
    with pytest.raises(ValueError, match="bitflip.stream.f"):
        bf.check_params({**p, "stream": {**p["stream"], "f": 21}})
    with pytest.raises(ValueError, match="multiple"):
        bf.check_params({**p, "n_samples": 1001, "metrics": {**p["metrics"], "every": 1000}})
    from lop.config import ConfigError
    cfg = resolve_config(preset="small")
    for key, bad in (("switch", -0.1), ("widths", [0, 5]), ("lr", 0)):
        raw = __import__("yaml").safe_load(open(bf.__file__.replace("lop/train/bitflip.py", "config.yaml")))
        raw["bitflip"][key] = bad
        with pytest.raises(ConfigError, match=f"bitflip.{key}"):
            resolve_config(raw, preset="paper")
    assert cfg["bitflip"]["switch"] == 0.5


def test_kernel_metrics_match_lop_metrics_on_a_trained_network():
    """After 200k SGD samples most units are dead and some nearly duplicated: the hard case for ranks."""
    metrics = pytest.importorskip("lop.metrics")
    torch = pytest.importorskip("torch")
    p = copy.deepcopy(resolve_config(preset="small")["bitflip"])
    p["switch"] = 1.0
    res = bf.run_fast(p, 100, seed=0, n_samples=200_000)
    st = bf.setup(p, 100, seed=0)
    for pre in (False, True):
        out = np.zeros(3)
        K.hidden_metrics(st.probe_x, res["W1"], res["b1"], pre, 0.95, 1e-7, 0.95, out)
        H = torch.from_numpy(bf.hidden(st.probe_x, res["W1"], res["b1"], pre))
        assert float(metrics.effective_rank(H)) == pytest.approx(out[0], rel=1e-6)
        assert float(metrics.duplicate_fraction(H, 0.95)) == pytest.approx(out[1], abs=1e-6)
        assert float(metrics.dead_fraction(H, 1e-7, 0.95)) == pytest.approx(out[2], abs=1e-6)
    # the SGD phase has produced what the figure is about: many dead units, low rank
    assert out[0] < 50
