"""The dual kernels accept a correlation only within float noise of [-1, 1] (lop.theory.kernels.R_TOL =
1e-12): a value a rounding error away is clipped, one beyond is an error rather than a silently clipped
input. Pins the tolerance the theorem checks run under (the theorem-tolerance mutant showed it unpinned)."""
import pytest

from lop.theory import dual_kernel


def test_correlations_beyond_float_noise_are_rejected():
    assert dual_kernel("relu", 1.0 + 1e-13) == pytest.approx(dual_kernel("relu", 1.0), abs=1e-15)
    for r in (1.0 + 1e-9, -1.0 - 1e-9):
        with pytest.raises(ValueError):
            dual_kernel("relu", r)
