"""Snakemake script: the extension grid's runs of one (arch, method) cell, every seed in one process.
params.cfg is exactly what a run reads (workflow/rules/extensions.smk, lop.methods.grid)."""
from pathlib import Path

from lop.joblog import to_log
from lop.train.gpu_slots import claim_gpu

smk = snakemake  # noqa: F821 (injected by Snakemake)
if smk.resources.get("gpu", 0):  # local multi-GPU: pick a free GPU before CUDA starts (as train_continual.py)
    claim_gpu()

import torch  # noqa: E402

to_log(smk.log[0], "a")  # messages to the log; a failure's one line to the terminal
torch.set_num_threads(smk.threads)

from lop.data.arrays import load_arrays  # noqa: E402
from lop.train.continual import run_continual  # noqa: E402
from lop.variants.continual import Variant  # noqa: E402

data = load_arrays(Path(smk.input.data[0]).parent)
for seed, path in zip(smk.params.seeds, smk.output.metrics):
    out = Path(path).parent
    run_continual(smk.params.cfg, arch=smk.wildcards.arch, variant=Variant(), seed=int(seed), data=data,
                  out_dir=out, checkpoint=out / "checkpoint.pt")
