"""Lemma A.1: K(0) = 0, K(1) = 1, |K(r)| < |r| for nonlinear phi, with the erratum at r = 0.
Also the three independent ways of computing K agree. Runtime ~2 s."""
import math

import numpy as np
import pytest

from lop.theory import activation, dual_kernel, mehler_weights, relu_kernel

NONLINEAR = ["relu", "tanh", "gelu", "sigmoid", "selu", "elu"]
MODULATED = [activation("relu", b=-2.0), activation("relu", b=1.0), activation("tanh", a=4.0),
             activation("sigmoid", a=0.5, b=1.0), activation("selu", a=2.0, b=-0.5)]
R = np.concatenate([np.linspace(-0.999, -0.001, 41), np.linspace(0.001, 0.999, 41)])


def test_relu_closed_form_reference_point():
    assert dual_kernel("relu", 0.5) == pytest.approx(0.4264223420127392, abs=1e-15)
    assert round(dual_kernel("relu", 0.5), 4) == 0.4264
    assert dual_kernel("relu", -1.0) == pytest.approx(-1 / (math.pi - 1), abs=1e-15)


@pytest.mark.parametrize("phi", NONLINEAR + MODULATED, ids=str)
def test_series_equals_direct_quadrature(phi):
    """Mehler series vs the 2-D Gaussian integral (independent code paths), within the series' stated
    truncation bound (tail mass) * |r|^1001 plus float noise."""
    r = np.array([-1.0, -0.99, -0.7, -0.3, 0.0, 0.2, 0.5, 0.8, 0.95, 0.99, 0.999, 1.0])
    _, tail_even, tail_odd = mehler_weights(phi)
    bound = 1e-12 + (tail_even + tail_odd) * np.abs(r) ** 1001
    err = np.abs(dual_kernel(phi, r, "series") - dual_kernel(phi, r, "quadrature"))
    assert np.all(err <= bound), (err, bound)


def test_relu_closed_form_equals_series_and_quadrature():
    r = np.linspace(-1, 1, 201)
    closed = dual_kernel("relu", r, "closed")
    np.testing.assert_allclose(closed, relu_kernel(r), atol=0)
    np.testing.assert_allclose(dual_kernel("relu", r, "series"), closed, atol=1e-9)  # tail ~ r^1001 at |r| = 0.99
    np.testing.assert_allclose(dual_kernel("relu", r[::10], "quadrature"), closed[::10], atol=1e-12)
    # relu(a z) has the same normalized kernel for any gain a != 0
    np.testing.assert_allclose(dual_kernel(activation("relu", a=-3.0), r, "series"), closed, atol=1e-9)


@pytest.mark.parametrize("phi", NONLINEAR + MODULATED, ids=str)
def test_lemma_a1_endpoints_and_contraction(phi):
    assert dual_kernel(phi, 0.0) == 0.0
    assert dual_kernel(phi, 1.0) == pytest.approx(1.0, abs=1e-14)
    K = dual_kernel(phi, R)
    assert np.all(np.abs(K) < np.abs(R)), "|K(r)| < |r| must hold for 0 < |r| < 1"


def test_lemma_a1_linear_phi_is_identity():
    np.testing.assert_array_equal(dual_kernel("linear", R), R)
    np.testing.assert_allclose(dual_kernel(activation("linear", a=-2.0, b=3.0), R, "series"), R, atol=1e-13)
    np.testing.assert_allclose(dual_kernel("linear", R, "quadrature"), R, atol=1e-13)


@pytest.mark.parametrize("name", NONLINEAR)
def test_lemma_a1_erratum_strictness_fails_at_r_zero(name):
    """v1: |K(r)| < |r| for |r| < 1. At r = 0 both sides are 0, so the strict claim is false there.
    Corrected statement: |K(r)| < |r| for 0 < |r| < 1 (and K(0) = 0)."""
    r = 0.0
    assert not abs(dual_kernel(name, r)) < abs(r)  # the counterexample to the v1 wording
    assert abs(dual_kernel(name, 1e-3)) < 1e-3  # the corrected statement just off zero


def test_bad_correlations_rejected():
    for bad in (1.0001, -1.5, np.array([0.2, 1.1])):
        with pytest.raises(ValueError, match=r"\|r\| <= 1"):
            dual_kernel("tanh", bad)
    with pytest.raises(ValueError, match="finite"):
        dual_kernel("tanh", np.nan)
    with pytest.raises(ValueError, match="no closed form"):
        dual_kernel("tanh", 0.5, method="closed")
    assert dual_kernel("tanh", 1 + 1e-14) == pytest.approx(1.0)  # float noise is clipped, not an error


def test_sigmoid_is_a_rescaled_tanh():
    """sigmoid(u) = (1 + tanh(u / 2)) / 2: an affine image of tanh(z / 2), so the same normalized kernel."""
    r = np.linspace(-1, 1, 41)
    np.testing.assert_allclose(dual_kernel("sigmoid", r), dual_kernel(activation("tanh", a=0.5), r), atol=1e-14)
