"""What every trainer of lop.train shares: the device choice, the progress bar and the training forward.

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
    fmt = torch.channels_last if (perf["channels_last"] and cuda and arch in ("cnn", "resnet")) else torch.contiguous_format
    if fmt is torch.channels_last:
        model.to(memory_format=fmt)
    fwd = torch.compile(model) if perf["compile"] else model
    amp = perf["amp_bf16"] and cuda

    def forward(x):
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
            return fwd(x.contiguous(memory_format=fmt)).float()
    return forward
