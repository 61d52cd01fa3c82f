"""The hidden units a unit-level method (ReDo, Continual Backprop) acts on, for each of the four nets.

A unit layer is a module whose weight rows (Linear) or output channels (Conv2d) are the units, the
activation module that produces the units' values, and the one module that reads them. Only places where
each unit has exactly one incoming row and one block of outgoing columns qualify: a re-initialised unit
must not leak through a residual connection.

  mlp     every hidden Linear (-> the next Linear or the head)
  cnn     every conv (-> the next conv, or the FC layer through flatten) and the FC layer (-> head)
  resnet  conv1 of each BasicBlock (-> conv2 of the same block); block outputs are residual sums
  vit     fc1 of each block's MLP (-> fc2); the residual stream has no units of its own

`unit_recorder` keeps the latest TRAINING-mode activation of every unit layer, as (rows, units) with rows =
samples x spatial positions (lop.models.flatten_units), detached.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from ..models import flatten_units
from ..probing import ProbeRecorder


@dataclass
class UnitLayer:
    name: str
    inp: nn.Module        # nn.Linear or nn.Conv2d: weight rows / output channels are the units
    act: nn.Module        # the module whose output is the units' activation
    out: nn.Module        # nn.Linear or nn.Conv2d reading the units (a Linear after a channel-major
                          # flatten of C x H x W reads H*W consecutive columns per unit)

    @property
    def width(self) -> int:
        return self.inp.weight.shape[0]

    def w_in(self, w: torch.Tensor | None = None) -> torch.Tensor:
        """(units, fan_in) view of the incoming weight (or of a tensor shaped like it, e.g. an Adam moment).

        A channels-last conv weight (config performance.channels_last) lists a unit's fan-in in memory
        order (kh, kw, c_in): the only order a view allows. Row j is unit j in both layouts; a redrawn
        row gets the same distribution, its values placed in that order."""
        w = self.inp.weight if w is None else w
        if w.dim() == 4 and not w.is_contiguous() and w.is_contiguous(memory_format=torch.channels_last):
            return w.permute(0, 2, 3, 1).flatten(1)
        return w.view(w.shape[0], -1)

    def w_out(self, w: torch.Tensor | None = None) -> torch.Tensor:
        """(out, units, per-unit columns) view of the outgoing weight (or of a tensor shaped like it).
        A conv weight's (kh, kw) merge into a view in both memory layouts."""
        w = self.out.weight if w is None else w
        return w.flatten(2) if w.dim() == 4 else w.view(w.shape[0], self.width, -1)

    @property
    def init_bound(self) -> float:
        """PyTorch's default init of Linear/Conv2d (the nets' initial distribution): weight and bias
        U(-b, b) with b = 1/sqrt(fan_in) (kaiming_uniform with a = sqrt(5): gain sqrt(1/3) x sqrt(3/fan_in))."""
        return 1.0 / math.sqrt(self.w_in().shape[1])


def unit_layers(model: nn.Module, arch: str) -> list[UnitLayer]:
    if arch == "mlp":
        blocks = list(model.layers)
        return [UnitLayer(b.probe.probe_name, b.fc, b.act, blocks[i + 1].fc if i + 1 < len(blocks) else model.head)
                for i, b in enumerate(blocks)]
    if arch == "cnn":
        blocks = list(model.features)
        layers = [UnitLayer(b.probe.probe_name, b.conv, b.act, blocks[i + 1].conv if i + 1 < len(blocks) else model.fc)
                  for i, b in enumerate(blocks)]
        return layers + [UnitLayer(model.probe.probe_name, model.fc, model.act, model.head)]
    if arch == "resnet":
        return [UnitLayer(f"{b.probe.probe_name}.conv1", b.conv1, b.act1, b.conv2) for b in model.layers]
    if arch == "vit":
        return [UnitLayer(f"{b.probe.probe_name}.mlp", b.mlp.fc1, b.mlp.act, b.mlp.fc2) for b in model.blocks]
    raise ValueError(f"no unit layers defined for arch {arch!r}; add them in lop/methods/units.py")


def unit_recorder(layers: list[UnitLayer]):
    """The activation recorder (lop.probing.ProbeRecorder) on the units' activation modules: `acts[name]` is
    the last TRAINING-mode activation, flattened to (rows, units) and detached."""
    return ProbeRecorder(modules={layer.name: layer.act for layer in layers}, training_only=True,
                         keep=lambda out: flatten_units(out.detach())).attach()


def reset_adam_moments(opt: torch.optim.Optimizer, layer: UnitLayer, units: torch.Tensor) -> None:
    """Zero the Adam moments of the units' incoming rows and biases and of their outgoing columns.

    The per-parameter step count is shared by all entries of a tensor and stays as it is.
    """
    def moments(p):
        state = opt.state.get(p, {}) if p is not None else {}
        return [state[k] for k in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq") if k in state]

    for m in moments(layer.inp.weight):
        layer.w_in(m)[units] = 0
    for m in moments(layer.inp.bias):
        m[units] = 0
    for m in moments(layer.out.weight):
        layer.w_out(m)[:, units] = 0
