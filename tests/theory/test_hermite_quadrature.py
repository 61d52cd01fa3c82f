"""Activations, Gaussian expectations and Hermite coefficients: the numerical ground the theorem tests stand on.
Runtime ~1 s."""
import math

import numpy as np
import pytest
from scipy.special import gammaln

from lop.theory import NAMES, activation, dual_kernel, gauss_expect, hermite_coefficients, moments

PHI0 = 1 / math.sqrt(2 * math.pi)


def relu_hermite_exact(n):
    """ReLU: a_0 = 1/sqrt(2 pi), a_1 = 1/2, a_{2m} = phi(0) (-1)^{m+1} (2m-3)!! / sqrt((2m)!), odd k>=3: 0."""
    a = np.zeros(n + 1)
    a[0], a[1] = PHI0, 0.5
    for k in range(2, n + 1, 2):
        m = k // 2
        log_abs = math.log(PHI0) + gammaln(2 * m - 1) - (m - 1) * math.log(2) - gammaln(m) - 0.5 * gammaln(2 * m + 1)
        a[k] = (-1) ** (m + 1) * math.exp(log_abs)
    return a


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("a,b", [(1.0, 0.0), (2.5, -0.7), (-0.5, 1.3)])
def test_derivative_matches_central_difference(name, a, b):
    phi = activation(name, a, b)
    z = np.linspace(-4, 4, 81) + 0.0123  # off the kinks
    z = z[np.min(np.abs(z[:, None] - np.array(phi.kinks or [99.0])[None, :]), axis=1) > 1e-3]
    h = 1e-6
    fd = (phi(z + h) - phi(z - h)) / (2 * h)
    np.testing.assert_allclose(phi.derivative(z), fd, rtol=1e-6, atol=1e-7)


def test_gaussian_expectations_exact():
    assert gauss_expect(activation("relu"), kinks=(0.0,)) == pytest.approx(PHI0, abs=1e-15)
    assert moments("relu")["second"] == pytest.approx(0.5, abs=1e-15)
    assert moments("linear")["var"] == pytest.approx(1.0, abs=1e-14)
    assert moments("gelu")["mean"] == pytest.approx(PHI0 / math.sqrt(2), abs=1e-15)  # E z Phi(z) = 1/(2 sqrt(pi))
    # ReLU(z + b): E = b Phi(b) + phi(b)
    b = -2.0
    exact = b * 0.5 * math.erfc(-b / math.sqrt(2)) + PHI0 * math.exp(-b * b / 2)
    assert moments(activation("relu", b=b))["mean"] == pytest.approx(exact, abs=1e-15)


def test_hermite_coefficients_relu_to_degree_1000():
    """Piecewise quadrature split at the kink is exact to float precision, even at degree 1000."""
    err = np.abs(hermite_coefficients("relu", 1000) - relu_hermite_exact(1000))
    assert err.max() < 1e-14


def test_gauss_hermite_converges_slowly_across_a_kink_and_fast_for_smooth_phi():
    exact = relu_hermite_exact(10)
    errs = [np.abs(hermite_coefficients("relu", 10, "gauss-hermite", n) - exact).max() for n in (50, 100, 200)]
    assert errs[0] > errs[1] > errs[2] > 1e-4  # O(1/n): ~3.3e-3, 1.6e-3, 8.2e-4
    assert errs[1] / errs[2] == pytest.approx(2.0, rel=0.1)
    ref = hermite_coefficients("tanh", 30)
    assert np.abs(hermite_coefficients("tanh", 30, "gauss-hermite", 200) - ref).max() < 1e-13


@pytest.mark.parametrize("name", ["tanh", "gelu", "sigmoid", "relu"])
def test_parseval(name):
    a = hermite_coefficients(name, 1000)
    tol = 1e-14 if name != "relu" else 1e-5  # ReLU's tail beyond degree 1000 is ~1.3e-6
    assert np.sum(a**2) == pytest.approx(moments(name)["second"], abs=tol)


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        activation("swish")
    with pytest.raises(ValueError, match="gain a must be nonzero"):
        activation("tanh", a=0.0)
    with pytest.raises(ValueError, match="finite"):
        activation("relu", b=float("nan"))
    with pytest.raises(ValueError, match="unknown method"):
        hermite_coefficients("relu", 5, method="simpson")
    with pytest.raises(ValueError, match="non-negative integer"):
        hermite_coefficients("relu", -1)
    with pytest.raises(ValueError, match="unknown activation"):
        dual_kernel("Relu", 0.5)
