"""The paper's metric thresholds pinned at their boundaries (v1 Appendix B metric definitions; registry claim
numbers-metric-thresholds): planted units just inside and just outside each threshold, so that moving a
threshold (dead |h| < 1e-7, duplicate cosine > 0.95) changes the count. The planted-unit tests of
tests/metrics/test_metrics.py place no unit between the paper's value and a nearby wrong one."""
import math

import pytest
import torch

from lop import metrics


def test_dead_threshold_is_1e_minus_7():
    g = torch.Generator().manual_seed(0)
    H = torch.rand(1000, 10, generator=g) + 0.1
    H[:, 0] = 5e-8  # |h| < 1e-7 everywhere: dead
    H[:, 1] = 5e-7  # alive at the paper's 1e-7, dead at any eps > 5e-7 (e.g. 1e-5)
    H[:, 2] = -5e-8  # |h|, not h: dead
    assert metrics.dead_fraction(H).item() == pytest.approx(2 / 10)
    assert metrics.dead_fraction(H, eps=1e-5).item() == pytest.approx(3 / 10)  # the boundary really moves the count


def _pair(target: float) -> torch.Tensor:
    """Two columns with cosine exactly `target` (float64)."""
    x = torch.randn(500, 1, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    y = torch.randn(500, 1, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    r = y - (y.T @ x) / (x.T @ x) * x
    z = target * x / x.norm() + math.sqrt(1 - target ** 2) * r / r.norm()
    return torch.cat([x, z], dim=1)


@pytest.mark.parametrize("target, duplicate", [(0.93, False), (0.949, False), (0.951, True), (0.97, True)])
def test_duplicate_threshold_is_cosine_0_95(target, duplicate):
    assert metrics.duplicate_fraction(_pair(target)).item() == pytest.approx(0.5 if duplicate else 0.0)
