"""Snakemake script: the bit-flipping runs of one seed, every width -> width<W>/seed<S>/metrics.parquet + run.json."""
import contextlib
import os
import sys

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core per job; the kernel is single-threaded

from lop.train.bitflip import run_and_write  # noqa: E402
from lop.joblog import to_log  # noqa: E402

smk = snakemake  # noqa: F821 (injected by Snakemake)
seed = int(smk.wildcards.seed)
to_log(smk.log[0], "w")  # messages to the log; a failure's one line to the terminal
with contextlib.redirect_stdout(sys.stderr):
    for width in smk.params.cfg["bitflip"]["widths"]:
        res = run_and_write(smk.params.cfg, width, seed, f"{smk.params.out}/width{width}/seed{seed}",
                            switch=float(smk.params.switch), checkpoint_every=smk.params.cfg["bitflip"]["checkpoint_every"])
        print(f"width {width} seed {seed}: {res['n_samples']} samples, {res['replaced']} units replaced", flush=True)
