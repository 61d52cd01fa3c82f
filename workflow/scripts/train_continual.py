"""Snakemake script: the continual-learning runs of one job (lop.train.continual.run_continual):
one run, an (arch, variant) cell's seeds, or an arch's grid (`continual.job_group`, lop.jobs)."""
from pathlib import Path

from lop.joblog import to_log
from lop.train.gpu_slots import claim_gpu

smk = snakemake  # noqa: F821 (injected by Snakemake)
if smk.resources.get("gpu", 0):  # local multi-GPU: pick a free GPU before CUDA starts
    claim_gpu()

import torch  # noqa: E402

to_log(smk.log[0], "a")  # messages to the log; a failure's one line to the terminal
torch.set_num_threads(smk.threads)  # two 1-thread jobs beat one 2-thread job on 2 cores

from lop.data.arrays import load_arrays  # noqa: E402
from lop.train.continual import run_continual  # noqa: E402
from lop.variants.continual import Variant  # noqa: E402

data = load_arrays(Path(smk.input.data[0]).parent)
for r in smk.params.runs:  # params.cfg: exactly the config keys a run reads (lop.figures.Family.run_settings)
    out = Path(r["dir"])
    run_continual(smk.params.cfg, arch=r["arch"], variant=Variant.parse(r["variant"]), seed=int(r["seed"]),
                  data=data, out_dir=out, checkpoint=out / "checkpoint.pt")
