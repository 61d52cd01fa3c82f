"""Snakemake script: the theory table results/theory/activations.csv (lop.theory.table)."""
import sys

from lop.joblog import to_log
import time

from lop.provenance import write_figure_table
from lop.theory.table import activation_table

to_log(snakemake.log[0], "w")  # noqa: F821 - messages to the log; a failure's one line to the terminal
cfg = dict(snakemake.params.theory)  # noqa: F821
start = time.perf_counter()
table = activation_table(cfg["activations"], cfg["relu_bias"], cfg["tanh_gain"], cfg["frozen_eps"], cfg["kernel_r"])
# Preset-independent product: the sidecar's config (and hash) is the theory section alone.
write_figure_table(table, snakemake.output.table, config={"theory": cfg})  # noqa: F821
print(f"theory table: {len(table)} rows in {time.perf_counter() - start:.1f} s", file=sys.stderr)
