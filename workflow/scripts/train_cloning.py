"""Snakemake script: cloning runs (lop.experiments.cloning.run_cloning) of one seed, or of every seed of
an (arch, variant) cell when `cloning.batch_seeds` is set."""
from pathlib import Path

from lop.gpu_slots import claim_gpu
from lop.joblog import to_log

if snakemake.resources.get("gpu", 0):  # noqa: F821 - local multi-GPU: pick a free GPU before CUDA starts
    claim_gpu()

import torch  # noqa: E402

to_log(snakemake.log[0], "a")  # noqa: F821 - messages to the log; a failure's one line to the terminal
torch.set_num_threads(snakemake.threads)  # noqa: F821 - two 1-thread jobs beat one 2-thread job on 2 cores

from lop.config import resolve_config  # noqa: E402
from lop.data.arrays import load_arrays  # noqa: E402
from lop.experiments.cloning import run_cloning  # noqa: E402

w = snakemake.wildcards  # noqa: F821
cfg = resolve_config(snakemake.config)  # noqa: F821
data = load_arrays(Path(snakemake.input.data[0]).parent)  # noqa: F821
metrics = snakemake.output.metrics  # noqa: F821
seeds = snakemake.params.seeds if "seed" not in w.keys() else [int(w.seed)]  # noqa: F821
for seed, path in zip(seeds, [metrics] if isinstance(metrics, str) else metrics):
    run_cloning(cfg, arch=w.arch, variant=w.variant, seed=int(seed), data=data, out_dir=Path(path).parent,
                checkpoint=Path(path).parent / "checkpoint.pkl")
