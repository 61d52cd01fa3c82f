"""lop.cloning.metrics: the paper-text cloning R^2, the upstream std-ratio variant and its averaging
bug, clone_match_error, and the probe helper. Runtime ~2 s."""
import math

import pytest
import torch

from lop.cloning import clone_model
from lop.cloning.metrics import (clone_match_error, cloning_r2, cloning_r2_upstream, interleaved_blocks,
                                 layer_cloning_r2, mean_cloning_r2, probe_forward_backward, upstream_mean_r2)
from manifold_helpers import batches, make_model


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("f", [2, 3])
def test_exact_copies_give_one(f):
    H = torch.randn(200, 7, generator=gen()).repeat_interleave(f, 1)
    assert cloning_r2(H, f).item() == pytest.approx(1.0, abs=1e-15)
    assert cloning_r2_upstream(H, f).item() == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("f", [2, 3, 4])
def test_independent_units_give_one_over_f(f):
    H = torch.randn(4000, 60 * f, generator=gen(1))
    assert cloning_r2(H, f).item() == pytest.approx(1 / f, abs=0.01)


def test_r2_is_variance_explained_by_block_means():
    """Hand example: one block of 2 units, rows (1, 3) and (2, 2): block means 2, 2; residuals -1, 1, 0, 0
    (SS 2); H - grand mean 2: -1, 1, 0, 0 (SS 2) -> R^2 = 0. Shifting unit 2 by +4 adds explained variance."""
    H = torch.tensor([[1.0, 3.0], [2.0, 2.0]])
    assert cloning_r2(H, 2).item() == pytest.approx(0.0, abs=1e-15)
    H = torch.tensor([[1.0, 3.0, 5.0, 5.0], [2.0, 2.0, 6.0, 6.0]])
    # grand mean 3.75; SS_tot = 2.75^2 + 0.75^2 + 2*1.25^2 + 2*1.75^2 + 2*2.25^2 = 27.5; SS_res = 2
    assert cloning_r2(H, 2).item() == pytest.approx(1 - 2 / 27.5, abs=1e-14)


def test_blocks_argument_and_bad_input():
    H = torch.randn(50, 6, generator=gen(2))
    perm = torch.tensor([[0, 3], [1, 4], [2, 5]])  # contiguous-tile layout: copies at j and j + 3
    Ht = torch.cat([H[:, :3], H[:, :3]], 1)
    assert cloning_r2(Ht, 2, perm).item() == pytest.approx(1.0, abs=1e-15)
    assert cloning_r2(Ht, 2).item() < 0.9  # wrong (interleaved) layout
    with pytest.raises(ValueError, match="rows, units"):
        cloning_r2(H[None], 2)
    with pytest.raises(ValueError, match="factor"):
        cloning_r2(H[:, :5], 2)
    with pytest.raises(ValueError, match="blocks"):
        cloning_r2(H, 2, perm[:2])


def test_upstream_std_ratio_is_not_r2():
    """Upstream's value for i.i.d. Gaussian units with f = 2: 1 - E|x1 - x2|/sqrt(2) = 1 - sqrt(2/pi)."""
    H = torch.randn(4000, 200, generator=gen(3))
    assert cloning_r2_upstream(H, 2).item() == pytest.approx(1 - math.sqrt(2 / math.pi), abs=0.01)
    assert cloning_r2(H, 2).item() == pytest.approx(0.5, abs=0.01)


def test_upstream_mean_halves_the_forward_r2():
    per_layer = {"fc1_forward": 1.0, "fc1_backward": 1.0, "fc2_forward": 1.0, "fc2_backward": 1.0}
    assert upstream_mean_r2(per_layer) == 0.5


def test_clone_match_error():
    Hb = torch.randn(30, 4, generator=gen(4))
    Hc = Hb.repeat_interleave(2, 1)
    assert clone_match_error(Hc, Hb, 2).item() == 0.0
    Hc[3, 5] += 0.01 * Hb.abs().max()
    assert clone_match_error(Hc, Hb, 2).item() == pytest.approx(0.01, rel=1e-12)
    with pytest.raises(ValueError, match="H_base"):
        clone_match_error(Hc, Hb[:, :3], 2)
    assert interleaved_blocks(6, 3).tolist() == [[0, 1, 2], [3, 4, 5]]


def test_probe_helper_has_no_side_effects():
    clone = clone_model(make_model("mlp", "batch"))
    clone.train()
    before = {n: b.clone() for n, b in clone.named_buffers()}
    x, y = batches(1)[0]
    out = probe_forward_backward(clone, x, y)
    assert set(out) == {"fc1", "fc2", "fc3"} and out["fc1"][0].shape == (8, 32)
    assert all(torch.equal(b, before[n]) for n, b in clone.named_buffers())
    assert all(p.grad is None for p in clone.parameters())
    r = layer_cloning_r2(clone, x, y, 2)
    m = mean_cloning_r2(r)
    assert m["forward"].item() == pytest.approx(1.0, abs=1e-12)
    assert m["backward"].item() == pytest.approx(1.0, abs=1e-12)
