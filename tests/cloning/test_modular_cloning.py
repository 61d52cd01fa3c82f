"""Theorem 2.2 / A.3 (modular cloning): clone_model composes per-module rules into an exact clone of
MLP, CNN, ResNet-18 and ViT under every norm option, the clone stays on the cloning manifold under
SGD and Adam (fresh optimizer), and dropout / gradient noise break the symmetry (paper Theorems 2.1, 2.2).

Runtime ~40 s on one contended core (float64)."""
import copy

import pytest
import torch

from lop.cloning import clone_blocks, clone_model
from lop.cloning.metrics import clone_match_error, layer_cloning_r2, probe_forward_backward
from manifold_helpers import SIZES, batches, make_model, rel_err, train

ARCHS = list(SIZES)
NORMS = ["none", "batch", "layer"]
# Training runs use a ResNet with one BasicBlock per stage (identity and conv shortcuts both present)
# to keep the suite fast; exactness is checked on the full [2, 2, 2, 2] ResNet-18.
TRAIN_OVERRIDES = {"resnet": dict(blocks=(1, 1, 1, 1))}


def assert_block_structure(clone, x, y, tol=1e-10):
    """Forward and backward within-block R^2 == 1 and within-block spread ~ 0 at every probe."""
    for name, r in layer_cloning_r2(clone, x, y, 2).items():
        assert r["forward"].item() >= 1 - tol, (name, r)
        assert r["backward"].item() >= 1 - tol, (name, r)
    for name, (H, G) in probe_forward_backward(clone, x, y).items():
        b = clone_blocks(clone, name)
        for M in (H, G):
            spread = (M[:, b] - M[:, b[:, :1]]).abs().max()
            assert spread <= tol * max(M.abs().max().item(), 1e-300), (name, spread.item())


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("arch", ARCHS)
def test_clone_is_function_preserving(arch, norm, affine):
    base = make_model(arch, norm, affine)
    state = copy.deepcopy(base.state_dict())
    clone = clone_model(base, 2)
    assert all(torch.equal(v, base.state_dict()[k]) for k, v in state.items()), "original was modified"
    assert sum(p.numel() for p in clone.parameters()) > sum(p.numel() for p in base.parameters())
    x, y = batches(1)[0]
    for mode in ("eval", "train"):  # train: BatchNorm uses batch statistics
        base.train(mode == "train"), clone.train(mode == "train")
        with torch.no_grad():
            assert rel_err(clone(x), base(x)) <= 1e-10, mode
        assert_block_structure(clone, x, y)
        hb, hc = probe_forward_backward(base, x, y), probe_forward_backward(clone, x, y)
        for name in hb:
            assert clone_match_error(hc[name][0], hb[name][0], 2, clone_blocks(clone, name)) <= 1e-10
            # backward errors of a copy are the base's divided by the factor (each copy carries 1/f)
            assert clone_match_error(2 * hc[name][1], hb[name][1], 2, clone_blocks(clone, name)) <= 1e-10


@pytest.mark.parametrize("opt", ["sgd", "adam"])
@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("arch", ARCHS)
def test_clone_stays_on_manifold_under_training(arch, norm, opt):
    base = make_model(arch, norm, True, **TRAIN_OVERRIDES.get(arch, {}))
    clone = clone_model(base, 2)
    make = {"sgd": lambda p: torch.optim.SGD(p, lr=0.05),
            "adam": lambda p: torch.optim.Adam(p, lr=1e-3)}[opt]
    data = batches()
    train(clone, make(clone.parameters()), data, 200)  # fresh optimizer: state starts at cloning
    x, y = batches(1, seed=7)[0]
    for mode in (False, True):
        clone.train(mode)
        assert_block_structure(clone, x, y)


@pytest.mark.parametrize("arch", ARCHS)
def test_dropout_breaks_clone_symmetry(arch):
    """Each copy gets its own dropout mask, so training pushes clones apart: R^2 < 1."""
    base = make_model(arch, "batch" if arch != "vit" else "layer", True, dropout=0.2,
                      **TRAIN_OVERRIDES.get(arch, {}))
    clone = clone_model(base, 2)
    train(clone, torch.optim.SGD(clone.parameters(), lr=0.05), batches(), 50)
    clone.eval()
    x, y = batches(1, seed=7)[0]
    r2 = layer_cloning_r2(clone, x, y, 2)
    worst = min(min(v["forward"].item(), v["backward"].item()) for v in r2.values())
    assert worst < 1 - 1e-6, r2


def noisy_gradients(sigma, seed=0):
    """Tiny Noisy SGD step (Gaussian noise added to every gradient entry), independent of lop.optim."""
    g = torch.Generator().manual_seed(seed)

    def hook(model):
        for p in model.parameters():
            if p.grad is not None:
                p.grad.add_(sigma * torch.randn(p.grad.shape, generator=g))
    return hook


@pytest.mark.parametrize("arch", ARCHS)
def test_gradient_noise_breaks_clone_symmetry(arch):
    base = make_model(arch, "batch" if arch != "vit" else "layer", True, **TRAIN_OVERRIDES.get(arch, {}))
    clone = clone_model(base, 2)
    train(clone, torch.optim.SGD(clone.parameters(), lr=0.05), batches(), 50, grad_hook=noisy_gradients(0.01))
    clone.eval()
    x, y = batches(1, seed=7)[0]
    r2 = layer_cloning_r2(clone, x, y, 2)
    for name, v in r2.items():
        assert v["forward"].item() < 1 - 1e-8, (name, v)
