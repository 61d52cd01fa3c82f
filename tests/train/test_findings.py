"""Checks behind paper_checks/findings_bitflip.yaml: what the upstream protocol changes (audit finding d8-cbp-variant, 7.9)."""
import copy

import numpy as np
import pytest

from lop.config import resolve_config
from lop.train import bitflip as bf
from lop.train import bitflip_kernel as K


@pytest.fixture(scope="module")
def trained():
    """Width 100 after 200k plain-SGD samples of the small-preset stream (~1 s with the kernel)."""
    p = copy.deepcopy(resolve_config(preset="small")["bitflip"])
    p["switch"] = 1.0
    p["metrics"]["gaussianity_every"] = 0
    res = bf.run_fast(p, 100, seed=0, n_samples=200_000)
    return p, res, bf.setup(p, 100, seed=0)


def test_pre_activation_metrics_cannot_see_dead_units(trained):
    """audit finding d9-bitflip-preactivations: upstream measured pre-activations. The same network is ~95 % dead after the ReLU but
    0 % 'dead' before it, because pre-activations of dead units are negative, not zero."""
    p, res, st = trained
    post, pre = np.zeros(3), np.zeros(3)
    K.hidden_metrics(st.probe_x, res["W1"], res["b1"], False, 0.95, 1e-7, 0.95, post)
    K.hidden_metrics(st.probe_x, res["W1"], res["b1"], True, 0.98, 1e-7, 0.95, pre)
    assert post[2] > 0.8
    assert pre[2] == 0.0


@pytest.mark.parametrize("width", [50, 400])
def test_pre_activation_rank_is_capped_by_the_input_dimension(width):
    """Pre-activations are an affine map of 21 input bits: rank <= 22 for ANY width, so a pre-activation
    effective rank cannot show width-dependent diversity (audit finding d9-bitflip-preactivations)."""
    rng = np.random.default_rng(width)
    probe = (rng.random((1000, 21)) < 0.5).astype(float)
    probe[:, 20] = 1.0
    W1, b1 = rng.normal(size=(width, 21)), rng.normal(size=width)
    pre, post = np.zeros(3), np.zeros(3)
    K.hidden_metrics(probe, W1, b1, True, 0.98, 1e-7, 0.95, pre)
    K.hidden_metrics(probe, W1, b1, False, 0.95, 1e-7, 0.95, post)
    s = np.linalg.svd(bf.hidden(probe, W1, b1, True), compute_uv=False)
    assert (s > 1e-9 * s[0]).sum() <= 21  # the bias bit makes b1 part of the same 21-dim row space
    assert pre[0] < 21
    if width == 400:
        assert post[0] > 2 * pre[0]  # the ReLU raises the rank well past the input dimension


def test_upstream_cbp_replaces_about_one_unit_per_step():
    """audit finding d8-cbp-variant: upstream replaced max(1, int(width * 1e-4)) = 1 unit every step in which a unit is
    mature, ~100x the paper's rate (replacement_rate x #mature units per step)."""
    p = copy.deepcopy(resolve_config(preset="small")["bitflip"])
    p["metrics"]["gaussianity_every"] = 0
    n, width = 20_000, 50
    counts = {}
    for variant in ("paper", "upstream"):
        p["cbp"]["variant"] = variant
        counts[variant] = bf.run_fast(p, width, seed=0, n_samples=n)["replaced"]
    start_paper = bf.cbp_start(n, p["switch"], "paper")
    start_up = bf.cbp_start(n, p["switch"], "upstream")
    # one unit per step while some unit is mature; a replaced unit needs maturity + 1 steps to be eligible
    # again, so with width < maturity + 1 the steady state is width replacements per maturity + 1 steps
    cbp_steps = n - start_up - p["cbp"]["maturity"]
    expected_up = cbp_steps * min(1.0, width / (p["cbp"]["maturity"] + 1))
    assert abs(counts["upstream"] - expected_up) <= 0.02 * expected_up
    expected_paper = p["cbp"]["replacement_rate"] * width * (n - start_paper - p["cbp"]["maturity"])
    assert abs(counts["paper"] - expected_paper) <= 1
    assert counts["upstream"] > 50 * counts["paper"]
