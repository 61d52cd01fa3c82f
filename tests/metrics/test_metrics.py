"""lop.metrics against closed forms (paper Sec. 3, App. B)."""
import math

import pytest
import torch

from lop import metrics


def orthonormal(rows, cols, seed=0):
    q, _ = torch.linalg.qr(torch.randn(rows, cols, generator=torch.Generator().manual_seed(seed), dtype=torch.float64))
    return q


def with_singular_values(s, rows=64, seed=0):
    """H = U diag(s) V^T with orthonormal U, V: singular values exactly s."""
    k = len(s)
    U, V = orthonormal(rows, k, seed), orthonormal(k, k, seed + 1)
    return U @ torch.diag(torch.as_tensor(s, dtype=torch.float64)) @ V.T


@pytest.mark.parametrize("k", [1, 3, 10])
def test_effective_rank_of_equal_spectrum_is_k(k):
    H = orthonormal(50, k) * 3.7
    assert metrics.effective_rank(H).item() == pytest.approx(k, rel=1e-12)


def test_effective_rank_geometric_spectrum_matches_closed_form():
    q, n = 0.6, 12
    s = [q ** i for i in range(n)]
    p = torch.tensor(s, dtype=torch.float64) / sum(s)
    expected = math.exp(-(p * p.log()).sum().item())
    assert metrics.effective_rank(with_singular_values(s)).item() == pytest.approx(expected, rel=1e-10)


def test_effective_rank_subsamples_rows_deterministically():
    H = torch.randn(5000, 20, generator=torch.Generator().manual_seed(1))
    a, b = metrics.effective_rank(H), metrics.effective_rank(H.clone())
    assert a.item() == b.item()
    assert a.item() != metrics.effective_rank(H, max_rows=5000).item()  # the cap is really applied


def test_stable_rank_is_renyi2_of_centred_spectrum():
    s = [4.0, 2.0, 1.0, 0.5]
    H = with_singular_values(s, rows=64)
    H = H - H.mean(0)  # centred already -> stable rank from s of the centred matrix
    sv = torch.linalg.svdvals(H)
    expected = (sv ** 2).sum() ** 2 / (sv ** 4).sum()
    assert metrics.stable_rank(H).item() == pytest.approx(expected.item(), rel=1e-12)
    # a constant offset is removed by centring
    assert metrics.stable_rank(H + 5.0).item() == pytest.approx(expected.item(), rel=1e-10)


def test_dead_fraction_planted_units():
    g = torch.Generator().manual_seed(0)
    H = torch.rand(1000, 10, generator=g) + 0.1
    H[:, 0] = 0.0                      # dead everywhere
    H[:960, 1] = 0.0                   # zero on 96% of rows -> dead (> 95%)
    H[:940, 2] = 0.0                   # zero on 94% -> alive
    H[:, 3] = 1e-8                     # below eps=1e-7 -> dead
    assert metrics.dead_fraction(H).item() == pytest.approx(3 / 10)


def test_duplicate_fraction_counts_m_minus_one_per_group():
    g = torch.Generator().manual_seed(0)
    base = torch.randn(200, 4, generator=g, dtype=torch.float64)
    H = torch.cat([base, 2.5 * base[:, :1], base[:, :1], 0.3 * base[:, 1:2], -base[:, 2:3]], dim=1)
    # unit 0 has two copies, unit 1 one copy, the negated copy of unit 2 has cosine -1 (not a duplicate)
    assert metrics.duplicate_fraction(H).item() == pytest.approx(3 / 8)


def test_duplicate_fraction_threshold_and_zero_columns():
    x = torch.randn(500, 1, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    y = torch.randn(500, 1, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    for target in (0.9, 0.97):
        z = target * x / x.norm() + math.sqrt(1 - target ** 2) * (y - (y.T @ x) / (x.T @ x) * x) / (
            y - (y.T @ x) / (x.T @ x) * x).norm()
        H = torch.cat([x, z, torch.zeros(500, 2, dtype=torch.float64)], dim=1)
        assert metrics.duplicate_fraction(H).item() == pytest.approx((target > 0.95) / 4)


def test_saturated_fraction_planted():
    g = torch.Generator().manual_seed(0)
    H = torch.randn(400, 4, generator=g)
    G = torch.randn(400, 4, generator=g)
    G[:, 0] = 0.0                          # no gradient at all -> saturated
    G[:, 1] = 1e-6 * H[:, 1].abs().mean()  # ratio 1e-6 < 1e-4 on every row -> saturated
    G[:398, 2] = 0.0                       # 99.5% of rows negligible -> saturated (> 99%)
    assert metrics.saturated_fraction(H, G).item() == pytest.approx(3 / 4)


def test_metrics_reject_bad_shapes():
    with pytest.raises(ValueError, match="rows, units"):
        metrics.effective_rank(torch.zeros(2, 3, 4))
    with pytest.raises(ValueError, match="same shape"):
        metrics.saturated_fraction(torch.ones(3, 2), torch.ones(2, 2))


def test_degenerate_inputs_give_zero_or_nan_not_errors():
    assert metrics.effective_rank(torch.zeros(10, 3)).item() == 0.0
    assert metrics.stable_rank(torch.ones(10, 3)).item() == 0.0  # constant columns vanish when centred
    H = torch.ones(10, 3)
    H[0, 0] = float("nan")
    assert torch.isnan(metrics.effective_rank(H))
