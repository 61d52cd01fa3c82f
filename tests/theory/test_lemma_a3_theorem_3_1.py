"""Lemma A.3 (off-diagonal contraction) and Theorem 3.1 / A.1 (er2 gain), with the errata:
strictness fails where every off-diagonal entry is 0 (r = 0), and C_ij = -1 is a fixed point only for
odd (or even) phi. Runtime ~6 s."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lop.theory import activation, dual_kernel, dual_kernel_matrix, er2, er2_gain, random_correlation_matrix

NONLINEAR = ["relu", "tanh", "gelu", "sigmoid", "selu", "elu"]


def offdiag_sq(M):
    return float(np.sum(M * M) - np.sum(np.diag(M) ** 2))


def interior(C, lo=0.0, hi=1.0):
    off = np.abs(C[~np.eye(len(C), dtype=bool)])
    return np.any((off > lo) & (off < hi))


def thousand_matrices():
    rng = np.random.default_rng(31)
    for i in range(1000):
        d = int(rng.integers(2, 11))
        yield NONLINEAR[i % len(NONLINEAR)], random_correlation_matrix(d, int(rng.integers(1, d + 1)), rng)


def test_lemma_a3_on_1000_random_correlation_matrices():
    strict = 0
    for name, C in thousand_matrices():
        K = dual_kernel_matrix(name, C)
        lhs, rhs = offdiag_sq(K), offdiag_sq(C)
        assert lhs <= rhs + 1e-12
        if interior(C, 0.05, 0.95):  # some 0 < |C_ij| < 1, well inside: the inequality is strict
            assert rhs - lhs > 1e-6
            strict += 1
    assert strict > 700  # the strict branch is exercised (rank-1 draws have only +-1 entries)


@pytest.mark.parametrize("name", NONLINEAR)
def test_lemma_a3_erratum_no_strict_gain_when_all_correlations_vanish(name):
    """With every off-diagonal C_ij = 0 (identity) both sides are 0: strictness needs some 0 < |C_ij| < 1."""
    C = np.eye(5)
    assert offdiag_sq(dual_kernel_matrix(name, C)) == offdiag_sq(C) == 0.0
    assert er2_gain(name, C) == 1.0  # Theorem A.1's inequality is an equality there too


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), d=st.integers(2, 12), frac=st.floats(0.0, 1.0),
       name=st.sampled_from(NONLINEAR + ["linear"]))
def test_theorem_3_1_identity_and_gain(seed, d, frac, name):
    C = random_correlation_matrix(d, max(1, round(frac * d)), np.random.default_rng(seed))
    K = dual_kernel_matrix(name, C)
    ratio = er2(K) / er2(C)
    identity = (d + offdiag_sq(C)) / (d + offdiag_sq(K))
    assert ratio == pytest.approx(identity, abs=1e-12)
    assert ratio >= 1 - 1e-12
    if name == "linear":
        assert ratio == pytest.approx(1.0, abs=1e-12)
    elif interior(C, 0.05, 0.95):
        assert ratio > 1 + 1e-6


def test_theorem_3_1_on_1000_random_correlation_matrices():
    for name, C in thousand_matrices():
        ratio = er2_gain(name, C)
        assert ratio >= 1 - 1e-12
        if interior(C, 0.05, 0.95):
            assert ratio > 1 + 1e-6


@pytest.mark.parametrize("name", NONLINEAR + ["linear"])
def test_theorem_3_1_equality_on_block_matrices(name):
    """All-ones blocks and zeros (duplicated and orthogonal features): K leaves C unchanged, gain = 1."""
    rng = np.random.default_rng(3)
    blocks = [3, 1, 4, 2]
    labels = np.repeat(np.arange(len(blocks)), blocks)
    perm = rng.permutation(labels.size)
    C = (labels[perm][:, None] == labels[perm][None, :]).astype(float)
    assert er2_gain(name, C) == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(dual_kernel_matrix(name, C), C, atol=1e-12)


def test_theorem_3_1_linear_phi_gives_exactly_one():
    C = random_correlation_matrix(8, 3, np.random.default_rng(5))
    assert er2_gain("linear", C) == pytest.approx(1.0, abs=1e-14)
    assert er2_gain(activation("linear", a=0.3, b=-2.0), C) == pytest.approx(1.0, abs=1e-12)


def test_theorem_3_1_minus_one_is_not_a_fixed_point_for_non_odd_phi():
    """C = [[1,-1],[-1,1]] has |C_ij| in {0,1}. Odd phi (tanh) keeps K(-1) = -1: gain 1. ReLU maps -1 to
    -1/(pi-1), so the gain is strict: 'equality iff every |C_ij| in {0,1}' needs 'C_ij = -1 only for odd
    (or even) phi'."""
    C = np.array([[1.0, -1.0], [-1.0, 1.0]])
    assert er2_gain("tanh", C) == pytest.approx(1.0, abs=1e-12)
    relu_gain = er2_gain("relu", C)
    assert relu_gain == pytest.approx(4 / (2 + 2 / (math.pi - 1) ** 2), abs=1e-12)
    assert relu_gain > 1.6
    for name in ["gelu", "selu", "elu"]:  # none is odd (or even) about its mean
        assert abs(dual_kernel(name, -1.0)) < 1 - 1e-3
        assert er2_gain(name, C) > 1 + 1e-3
    assert dual_kernel("sigmoid", -1.0) == pytest.approx(-1.0, abs=1e-12)  # sigmoid - 1/2 is odd: fixed point
