"""Lemma A.2: for Z ~ N(0, C), Corr(phi(Z_i), phi(Z_j)) = K(C_ij), and K(C) = sum_k w_k C^{o k} is a
correlation matrix (PSD, unit diagonal). Runtime ~4 s."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lop.theory import activation, dual_kernel_matrix, mehler_weights, random_correlation_matrix

NONLINEAR = ["relu", "tanh", "gelu", "sigmoid", "selu", "elu"]


@pytest.mark.parametrize("phi", NONLINEAR + [activation("relu", b=-1.0), activation("tanh", a=3.0)], ids=str)
def test_monte_carlo_matches_kernel(phi):
    rng = np.random.default_rng(20251)
    d, n = 5, 200_000
    C = random_correlation_matrix(d, 3, rng)
    Z = rng.standard_normal((n, d)) @ np.linalg.cholesky(C + 1e-12 * np.eye(d)).T
    f = activation(phi) if isinstance(phi, str) else phi
    empirical = np.corrcoef(f(Z).T)
    K = dual_kernel_matrix(phi, C)
    assert np.max(np.abs(empirical - K)) < 5 / np.sqrt(n)


correlations = st.builds(
    lambda seed, d, frac: random_correlation_matrix(d, max(1, round(frac * d)), np.random.default_rng(seed)),
    st.integers(0, 2**32 - 1), st.integers(2, 12), st.floats(0.0, 1.0))


@settings(max_examples=60, deadline=None)
@given(C=correlations, name=st.sampled_from(NONLINEAR + ["linear"]))
def test_kernel_of_correlation_matrix_is_a_correlation_matrix(C, name):
    K = dual_kernel_matrix(name, C)
    np.testing.assert_array_equal(np.diag(K), 1.0)
    np.testing.assert_array_equal(K, K.T)
    assert np.linalg.eigvalsh(K)[0] >= -1e-10
    assert np.all(np.abs(K) <= 1.0)


@pytest.mark.parametrize("name", NONLINEAR)
def test_hadamard_series_equals_direct(name):
    """sum_k w_k C^{o k} (explicit Hadamard powers) vs the entrywise direct value (closed form for ReLU,
    2-D quadrature otherwise) on random correlation matrices, including rank 1 (entries +-1)."""
    rng = np.random.default_rng(7)
    w, tail_even, tail_odd = mehler_weights(name)
    for d, rank in [(6, 1), (6, 3), (5, 5)]:
        C = random_correlation_matrix(d, rank, rng)
        series, power = np.zeros_like(C), np.ones_like(C)
        for wk in w:
            power = power * C  # C^{o k}
            series += wk * power
        series += tail_odd * power * C + tail_even * power * C * C
        np.fill_diagonal(series, 1.0)
        direct = dual_kernel_matrix(name, C, method="closed" if name == "relu" else "quadrature")
        assert np.max(np.abs(series - direct)) < 1e-6


def test_bad_correlation_matrices_rejected():
    C = random_correlation_matrix(4, 2, np.random.default_rng(0))
    bad = C.copy()
    bad[0, 1] += 0.01
    with pytest.raises(ValueError, match="not symmetric"):
        dual_kernel_matrix("relu", bad)
    with pytest.raises(ValueError, match="unit diagonal"):
        dual_kernel_matrix("relu", 2 * C)
    with pytest.raises(ValueError, match="square"):
        dual_kernel_matrix("relu", C[:3])
    with pytest.raises(ValueError, match=r"\|r\| <= 1"):
        dual_kernel_matrix("relu", np.array([[1.0, 1.2], [1.2, 1.0]]))
    with pytest.raises(ValueError, match="positive semidefinite"):
        x = -0.9  # pairwise fine, jointly impossible
        dual_kernel_matrix("relu", np.array([[1, x, x], [x, 1, x], [x, x, 1.0]]))
