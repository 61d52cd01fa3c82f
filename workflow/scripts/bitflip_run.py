"""Snakemake script: the bit-flipping runs of one seed, every width -> width<W>/seed<S>/metrics.parquet + run.json."""
import contextlib
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core per job; the kernel is single-threaded

from lop.experiments.bitflip import run_and_write  # noqa: E402

smk = snakemake  # noqa: F821 (injected by Snakemake)
seed = int(smk.wildcards.seed)
with open(smk.log[0], "w") as log, contextlib.redirect_stderr(log), contextlib.redirect_stdout(log):
    for width in smk.params.cfg["bitflip"]["widths"]:
        res = run_and_write(smk.params.cfg, width, seed, f"{smk.params.out}/width{width}/seed{seed}",
                            switch=float(smk.params.switch))
        print(f"width {width} seed {seed}: {res['n_samples']} samples, {res['replaced']} units replaced", flush=True)
