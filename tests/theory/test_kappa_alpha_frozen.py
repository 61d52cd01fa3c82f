"""kappa (decorrelation strength) rises with negative ReLU bias and tanh gain together with the frozen
fraction; alpha reference values and the June-draft alpha claims; the theory table. Runtime ~3 s."""
import math

import numpy as np
import pytest
from scipy.special import ndtr

from lop.theory import activation, alpha, dual_kernel, frozen_fraction, kappa, mehler_weights
from lop.theory.table import JUNE_DRAFT_ALPHA, activation_table

BIASES = [2, 1, 0, -1, -2, -3]
PAPER_KAPPA = [0.003, 0.022, 0.089, 0.221, 0.380, 0.525]  # the paper's printed kappa values (Sec. 3)
GAINS = [0.25, 0.5, 1, 2, 4, 8]


def test_kappa_relu_bias_reference_values_and_monotone():
    ks = np.array([kappa(activation("relu", b=b)) for b in BIASES])
    # exact values (series and 2-D quadrature agree to 1e-15 at the argmax, see below)
    np.testing.assert_allclose(ks, [0.0028464, 0.0223744, 0.0888677, 0.2190171, 0.3809850, 0.5224347], atol=1e-6)
    # the reference values are rounded and off by up to 2.6e-3 at b = -3 (recorded as a finding)
    np.testing.assert_allclose(ks, PAPER_KAPPA, atol=3e-3)
    assert np.all(np.diff(ks) > 0)


def test_kappa_maximiser_by_independent_quadrature():
    for b in (0.0, -3.0):
        phi = activation("relu", b=b)
        k, r_star = kappa(phi, return_argmax=True)
        assert r_star ** 2 - dual_kernel(phi, r_star, "quadrature") ** 2 == pytest.approx(k, abs=1e-12)
        r = np.linspace(0, 1, 41)
        assert np.all(r**2 - dual_kernel(phi, r, "quadrature") ** 2 <= k + 1e-12)


def test_frozen_fraction_relu_bias_is_gaussian_cdf_and_rises_with_kappa():
    ff = np.array([frozen_fraction(activation("relu", b=b), 0.01) for b in BIASES])
    np.testing.assert_allclose(ff, ndtr(-np.array(BIASES, float)), atol=1e-13)  # P(z + b <= 0)
    assert round(ff[0], 3) == 0.023 and round(ff[-1], 3) == 0.999
    assert np.all(np.diff(ff) > 0)


def test_kappa_and_frozen_fraction_rise_with_tanh_gain():
    eps = 0.01
    ks = np.array([kappa(activation("tanh", a=a)) for a in GAINS])
    ff = np.array([frozen_fraction(activation("tanh", a=a), eps) for a in GAINS])
    # closed form: |a sech^2(a z)| < eps  <=>  |z| > arccosh(sqrt(a / eps)) / a
    exact = [2 * ndtr(-math.acosh(math.sqrt(a / eps)) / a) for a in GAINS]
    np.testing.assert_allclose(ff, exact, atol=1e-13)
    assert np.all(np.diff(ks) > 0) and np.all(np.diff(ff[1:]) > 0)
    assert ff[-1] > 0.6 and ks[-1] > 0.2


def test_kappa_is_zero_for_linear_and_positive_otherwise():
    assert kappa("linear") == pytest.approx(0.0, abs=1e-12)
    for name in ["relu", "tanh", "gelu", "sigmoid", "selu", "elu"]:
        assert kappa(name) > 1e-3


def test_alpha_reference_values():
    assert alpha("relu") == pytest.approx(0.0, abs=1e-14)  # E f'^2 = P(z > 0) = 1/2 = E relu^2
    assert alpha("tanh") == pytest.approx(0.1778, abs=5e-5)
    assert alpha("gelu") == pytest.approx(0.0720, abs=5e-5)
    assert alpha("relu", centered=True) == pytest.approx(0.4669, abs=5e-5)
    assert alpha("gelu", centered=True) == pytest.approx(0.3188, abs=5e-5)
    assert alpha("tanh", centered=True) == pytest.approx(alpha("tanh"), abs=1e-15)  # E tanh = 0


@pytest.mark.parametrize("name", ["relu", "tanh", "gelu", "sigmoid", "elu"])
def test_centered_alpha_is_kernel_slope_at_one(name):
    """Mehler: K'(1) = sum k a_k^2 / sum a_k^2 = E f'^2 / Var f, so centered alpha = K'(1) - 1."""
    if name == "relu":
        slope = math.pi / (math.pi - 1)  # d/dr of the arc-cosine kernel at r = 1
        assert alpha(name, centered=True) == pytest.approx(slope - 1, abs=1e-14)
    else:
        w, _, _ = mehler_weights(name)
        # sum_{k<=1000} k w_k: the tail is ~1e-16 for smooth phi, ~2e-6 for ELU (phi'' jumps); SELU (phi'
        # jumps) is left out, its tail decays like N^-1/2 (2e-3 at N = 1000)
        tol = 1e-10 if name != "elu" else 5e-6
        assert alpha(name, centered=True) == pytest.approx(np.sum(np.arange(1, w.size + 1) * w) - 1, abs=tol)


def test_june_draft_alpha_claims_are_not_the_formula():
    for name, draft in JUNE_DRAFT_ALPHA.items():
        assert abs(draft - alpha(name)) > 0.3
        assert abs(draft - alpha(name, centered=True)) > 0.03


def test_frozen_fraction_rejects_bad_eps():
    with pytest.raises(ValueError, match="eps must be > 0"):
        frozen_fraction("relu", 0.0)


def test_theory_table():
    df = activation_table(relu_bias=BIASES, tanh_gain=GAINS, frozen_eps=0.01)
    assert len(df) == 7 + len(BIASES) + len(GAINS)
    assert {"K_0.5", "kappa", "alpha_uncentered", "alpha_centered", "frozen_fraction", "june_draft_alpha"} <= set(df)
    base = df[df.modulation == "base"].set_index("activation")
    assert base.loc["relu", "K_0.5"] == pytest.approx(0.4264, abs=5e-5)
    assert base.loc["gelu", "june_draft_alpha"] == 0.5449 and np.isnan(base.loc["sigmoid", "june_draft_alpha"])
    relu = df[df.modulation == "relu_bias"]
    assert np.all(np.diff(relu.kappa) > 0) and np.all(np.diff(relu.frozen_fraction) > 0)
