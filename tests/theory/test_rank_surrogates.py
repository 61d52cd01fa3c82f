"""er2 (Renyi-2) and Shannon effective rank of PSD matrices. Runtime <1 s."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lop.theory import effective_rank_spectrum, er2, random_correlation_matrix


def test_extremes():
    assert er2(np.eye(7)) == 7.0
    assert effective_rank_spectrum(np.eye(7)) == pytest.approx(7.0, abs=1e-12)
    v = np.arange(1.0, 6.0)
    assert er2(np.outer(v, v)) == pytest.approx(1.0, abs=1e-14)
    assert effective_rank_spectrum(np.outer(v, v)) == pytest.approx(1.0, abs=1e-9)
    # a spectrum (2, 1, 1): er2 = 16 / 6, Shannon = exp(H(1/2, 1/4, 1/4)) = 2 sqrt 2
    M = np.diag([2.0, 1.0, 1.0])
    assert er2(M) == pytest.approx(16 / 6, abs=1e-15)
    assert effective_rank_spectrum(M) == pytest.approx(2 * np.sqrt(2), abs=1e-14)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), d=st.integers(2, 15), rank=st.integers(1, 15))
def test_renyi2_below_shannon_below_rank(seed, d, rank):
    rank = min(rank, d)
    C = random_correlation_matrix(d, rank, np.random.default_rng(seed))
    assert 1 - 1e-9 <= er2(C) <= effective_rank_spectrum(C) + 1e-9 <= rank + 2e-9


def test_bad_input():
    with pytest.raises(ValueError, match="square"):
        er2(np.ones((2, 3)))
    with pytest.raises(ValueError, match="zero matrix"):
        er2(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="symmetric"):
        effective_rank_spectrum(np.array([[1.0, 0.5], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="PSD"):
        effective_rank_spectrum(np.diag([1.0, -0.5]))
