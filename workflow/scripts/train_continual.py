"""Snakemake script: one continual-learning run (lop.experiments.continual.run_continual)."""
import sys
from pathlib import Path

from lop.gpu_slots import claim_gpu

if snakemake.resources.get("gpu", 0):  # noqa: F821 - local multi-GPU: pick a free GPU before CUDA starts
    claim_gpu()

import torch  # noqa: E402

sys.stderr = open(snakemake.log[0], "a")  # noqa: F821 - progress bar and messages go to the job's log
torch.set_num_threads(snakemake.threads)  # noqa: F821 - two 1-thread jobs beat one 2-thread job on 2 cores

from lop.config import resolve_config  # noqa: E402
from lop.experiments.continual import Variant, run_continual  # noqa: E402

w = snakemake.wildcards  # noqa: F821
out = Path(snakemake.output.metrics).parent  # noqa: F821
run_continual(resolve_config(snakemake.config), arch=w.arch, variant=Variant.parse(w.variant),  # noqa: F821
              seed=int(w.seed), data_dir=Path(snakemake.input.data[0]).parent, out_dir=out,  # noqa: F821
              checkpoint=out / "checkpoint.pt")
