"""Snakemake script: the bit-flipping runs of one seed, every width -> width<W>/seed<S>/metrics.parquet + run.json."""
import contextlib
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core per job; the kernel is single-threaded

from lop.train.bitflip import run_bitflip  # noqa: E402
from lop.joblog import to_log  # noqa: E402

smk = snakemake  # noqa: F821 (injected by Snakemake)
seed = int(smk.wildcards.seed)
to_log(smk.log[0], "w")  # messages to the log; a failure's one line to the terminal
with contextlib.redirect_stdout(sys.stderr):
    for width in smk.params.cfg["bitflip"]["widths"]:
        out = Path(f"{smk.params.out}/width{width}/seed{seed}")
        run_bitflip(smk.params.cfg, width=width, switch=float(smk.params.switch), seed=seed, data=None, out_dir=out,
                    checkpoint=out / "checkpoint.pkl")
        replaced = json.loads((out / "run.json").read_text())["replaced_units"]
        print(f"width {width} seed {seed}: {smk.params.cfg['bitflip']['n_samples']} samples, {replaced} units replaced",
              flush=True)
