"""Snakemake script: the extension grid's runs of one (arch, method) cell, every seed in one process."""
import sys
from pathlib import Path

import torch

sys.stderr = open(snakemake.log[0], "a")  # noqa: F821 - progress bar and messages go to the job's log
torch.set_num_threads(snakemake.threads)  # noqa: F821

from lop.config import resolve_config  # noqa: E402
from lop.experiments.continual import Variant, run_continual  # noqa: E402
from lop.methods.grid import grid_run_config  # noqa: E402

w = snakemake.wildcards  # noqa: F821
cfg = grid_run_config(resolve_config(snakemake.config), w.method)  # noqa: F821
for seed, path in zip(snakemake.params.seeds, snakemake.output.metrics):  # noqa: F821
    out = Path(path).parent
    run_continual(cfg, arch=w.arch, variant=Variant(), seed=int(seed),
                  data_dir=Path(snakemake.input.data[0]).parent, out_dir=out,  # noqa: F821
                  checkpoint=out / "checkpoint.pt")
