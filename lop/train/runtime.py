"""What every trainer of lop.train shares: the device choice, the progress bar, the training forward and
the optimizer implementation.

torch and tqdm are imported inside the functions, so the numpy-only bit-flip engine (lop.train.bitflip)
can use the progress bar without paying for torch.
"""
from __future__ import annotations

import sys

DEVICES = ("auto", "cpu", "cuda")  # config key `device` (workflow/schemas/config.schema.yaml)


def pick_device(setting: str):
    """The torch device of config key `device`: `auto` = CUDA when visible, else the CPU; `cpu`; `cuda`
    (an error when no CUDA device is visible)."""
    import torch

    if setting not in DEVICES:
        raise ValueError(f"config key `device`: {setting!r} is not one of {list(DEVICES)}")
    if setting == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("config key `device`: cuda, but no CUDA device is visible; fix: set device: auto or cpu "
                           "(e.g. --config device=cpu), or run where a GPU is visible")
    return torch.device("cuda" if setting != "cpu" and torch.cuda.is_available() else "cpu")


def progress_bar(total: int, desc: str, enabled: bool, **kw):
    """A tqdm bar on stderr, redrawn at most every 2 s; `enabled=False` gives a silent one (same API).
    `kw` goes to tqdm as is (e.g. initial, unit, unit_scale, leave)."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, disable=not enabled, file=sys.stderr, mininterval=2.0, **kw)


def training_forward(model, arch: str, perf: dict, device):
    """The training forward pass, honouring the performance switches (config `performance`).

    The compiled forward is built once and reused for every task and step: the head has a fixed size
    (all classes) and the active logits are selected outside the compiled graph, so nothing recompiles.
    """
    import torch

    cuda = device.type == "cuda"
    # NHWC helps on both devices: on the CPU oneDNN's convolutions and max-pooling skip a reorder per call
    # (cpu tier, one thread: CNN step 3.9 -> 2.6 ms, ResNet 7.7 -> 6.8 ms; benchmarks/step_profile.py).
    fmt = torch.channels_last if (perf["channels_last"] and arch in ("cnn", "resnet")) else torch.contiguous_format
    if fmt is torch.channels_last:
        model.to(memory_format=fmt)
    fwd = torch.compile(model) if perf["compile"] else model
    amp = perf["amp_bf16"] and cuda

    def forward(x):
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
            return fwd(x.contiguous(memory_format=fmt)).float()
    return forward


# `continual.optimizer` (the schema lists the same names): the paper trains with Adam, no weight decay.
OPTIMIZERS = ("adam",)


def fused_or_foreach(cls, params, **kw):
    """`cls(params, fused=True, **kw)` where this torch has a fused kernel for the parameters' device, else the
    multi-tensor (`foreach`) implementation. The default implementation on the CPU loops over the
    parameter tensors one by one (several small ops each): the fused kernel is one pass per tensor,
    0.3-0.5 ms less per step at the CPU tiers' shapes (benchmarks/step_profile.py), and on CUDA one
    kernel launch per parameter group. Same update rule; floats differ from the loop in the last bits
    (another order of the same arithmetic)."""
    params = list(params)
    if params and params[0].device.type in _fused_devices():
        try:
            return cls(params, fused=True, **kw)
        except (RuntimeError, ValueError, TypeError):  # a torch without this fused kernel or dtype
            pass
    return cls(params, foreach=True, **kw)


def _fused_devices() -> tuple:
    """Device types with fused optimizer kernels in this torch (CUDA only, where torch does not say)."""
    try:
        from torch.utils._foreach_utils import _get_fused_kernels_supported_devices
        return tuple(_get_fused_kernels_supported_devices())
    except ImportError:
        return ("cuda",)


def make_optimizer(name: str, params, lr: float):
    """The continual trainer's optimizer: Adam (fused where torch offers it, `fused_or_foreach`)."""
    import torch

    if name not in OPTIMIZERS:
        raise ValueError(f"config key `continual.optimizer`: {name!r} is not one of {list(OPTIMIZERS)}")
    return fused_or_foreach(torch.optim.Adam, params, lr=lr)
