"""The metric variants against matrices with known spectra (float64, tight tolerances)."""
import math

import pytest
import torch

from lop import metrics
from lop.metric_variants import (dead_fraction, energy_rank, redo_dormant_fraction, redo_scores, srank,
                                 stable_rank_norm_ratio, stable_rank_participation)


def with_spectrum(s, rows=40, centred=False, seed=0):
    """rows x len(s) matrix U diag(s) V^T with orthonormal U, V (U orthogonal to the ones vector when centred,
    so that mean-centring leaves it unchanged)."""
    g = torch.Generator().manual_seed(seed)
    s = torch.as_tensor(s, dtype=torch.float64)
    a = torch.randn(rows, len(s), generator=g, dtype=torch.float64)
    if centred:
        a = a - a.mean(dim=0, keepdim=True)
    u, _ = torch.linalg.qr(a)
    v, _ = torch.linalg.qr(torch.randn(len(s), len(s), generator=g, dtype=torch.float64))
    return u @ torch.diag(s) @ v.T


SPECTRUM = [4.0, 2.0, 1.0, 1.0, 0.0]


def test_the_three_stable_ranks_differ_on_one_spectrum():
    H = with_spectrum(SPECTRUM, centred=True)
    s2 = torch.tensor(SPECTRUM, dtype=torch.float64) ** 2                 # 16, 4, 1, 1, 0
    assert math.isclose(float(stable_rank_norm_ratio(H)), 22 / 16, rel_tol=1e-12)                # F^2 / 2-norm^2
    assert math.isclose(float(stable_rank_participation(H)), 22 ** 2 / 274, rel_tol=1e-12)      # (sum s^2)^2 / sum s^4
    assert float(s2.sum() ** 2 / (s2 ** 2).sum()) == pytest.approx(22 ** 2 / 274, rel=1e-15)
    assert stable_rank_participation is metrics.stable_rank                     # the paper's, used by the figures


def test_rank_counts_on_known_spectra():
    H = with_spectrum([50.0, 30.0, 15.0, 4.0, 1.0])   # sum s = 100; sum s^2 = 3642
    assert float(srank(H)) == 4                        # 99% of sum s: exactly 99 after four
    assert float(srank(with_spectrum([50.0, 30.0, 15.0, 3.5, 1.5]))) == 5   # 98.5 after four: all five
    assert float(srank(H, delta=0.05)) == 3            # 95%: 50 + 30 + 15 = 95 after three
    H = with_spectrum([50.0, 30.0, 15.0, 5.0])
    assert float(srank(H, delta=0.05)) == 3            # 50 + 30 + 15 = 95 exactly: the count stops there
    H = with_spectrum([10.0, 1.0, 1.0, 0.1])  # squares 100, 1, 1, 0.01: 101 >= 0.99 x 102.01 at 2; sum s: 12 >= 11.979 at 3
    assert float(energy_rank(H)) == 2 and float(srank(H)) == 3
    assert float(energy_rank(torch.zeros(6, 3, dtype=torch.float64))) == 0


def test_dormancy_variants_disagree_by_design():
    # unit 0 silent, unit 1 tiny but active everywhere (1e-3), unit 2 large
    H = torch.tensor([[0.0, 1e-3, 5.0], [0.0, 1e-3, 3.0], [0.0, 1e-3, 4.0]], dtype=torch.float64)
    assert float(dead_fraction(H)) == pytest.approx(1 / 3)                  # |h| < 1e-7 on > 95% of rows: unit 0
    expected = torch.tensor([0.0, 1e-3, 4.0], dtype=torch.float64) / ((1e-3 + 4.0) / 3)
    assert torch.allclose(redo_scores(H), expected, rtol=1e-12, atol=0)
    assert float(redo_dormant_fraction(H, tau=0.0)) == pytest.approx(1 / 3)
    assert float(redo_dormant_fraction(H, tau=0.1)) == pytest.approx(2 / 3)  # scale-free: the tiny unit is dormant
    assert float(redo_dormant_fraction(1e6 * H, tau=0.1)) == pytest.approx(2 / 3)
    assert float(dead_fraction(1e-8 * H)) == 1.0                            # while eps is absolute
