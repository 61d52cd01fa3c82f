"""The probe batch goes through the network in eval mode (the paper's metrics are of the network, not of
one dropout mask or one batch's BN statistics): probing twice gives identical metrics, leaves the BN
running statistics alone and restores train mode. A behaviour test the probe-train-mode mutant showed
missing (the continual-run tests use networks without dropout or BN, where both modes agree)."""
import torch

from lop.models import build_model
from lop.probing import probe_metrics

THRESHOLDS = {"dead_eps": 1e-7, "dead_frac": 0.95, "duplicate_cos": 0.95, "saturated_ratio": 1e-4, "saturated_frac": 0.99}


def test_probe_metrics_run_in_eval_mode():
    torch.manual_seed(0)
    model = build_model("mlp", in_shape=(3, 8, 8), num_classes=5, norm="batch", dropout=0.5, width=32, depth=3)
    model.train()
    x, y = torch.randn(64, 3, 8, 8), torch.randint(0, 5, (64,))
    bn_before = {k: v.clone() for k, v in model.state_dict().items() if "running" in k}
    first = probe_metrics(model, x, y, torch.arange(5), THRESHOLDS)
    second = probe_metrics(model, x, y, torch.arange(5), THRESHOLDS)
    assert model.training  # restored
    assert bn_before and all(torch.equal(v, model.state_dict()[k]) for k, v in bn_before.items())
    assert first.keys() == second.keys()
    for key in first:  # no dropout mask, no batch statistics: the same batch gives the same numbers
        assert torch.equal(first[key], second[key]), key
