"""Tiny hand-set models for the method tests."""
import torch

from lop.methods import METHODS, MethodContext
from lop.models import build_model

MLP = dict(in_shape=(3, 1, 1), num_classes=2, width=3, depth=2)
CNN = dict(in_shape=(1, 4, 4), num_classes=2, channels=[3, 2], fc=4)


def context(arch="mlp", seed=0, lr=0.1, **sizes):
    kw = {"mlp": MLP, "cnn": CNN}.get(arch, {})
    kw = {**kw, **sizes}

    def make():
        return build_model(arch, **kw)
    torch.manual_seed(seed)
    model = make()
    return MethodContext(model, torch.optim.Adam(model.parameters(), lr=lr), arch, seed, make)


def method(name, ctx, **params):
    return METHODS[name](ctx, params)


def set_mlp_first_layer(model):
    """fc1 units with activations 0 (dead), 1 and 2 on x = (1, 2, 3), and fc2 units 2, 3, 4 (all alive,
    ReDo scores 2/3, 1, 4/3); returns that x."""
    fc1, fc2 = model.layers[0].fc, model.layers[1].fc
    with torch.no_grad():
        fc1.weight.copy_(torch.tensor([[-1.0, -1.0, -1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]))
        fc1.bias.zero_()
        fc2.weight.copy_(torch.tensor([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 1.0]]))
        fc2.bias.fill_(1.0)
    return torch.tensor([[1.0, 2.0, 3.0]]).view(1, 3, 1, 1)
