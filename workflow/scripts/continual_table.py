"""Snakemake script: build a continual-learning figure table (lop.figtables.continual)."""
import sys

from lop.joblog import to_log
from lop.config import resolve_config
from lop.figtables.continual import build
from lop.provenance import write_figure_table

to_log(snakemake.log[0], "w")  # noqa: F821 - messages to the log; a failure's one line to the terminal
fig = snakemake.wildcards.fig  # noqa: F821
table = build(fig, snakemake.input.runs, snakemake.params.window)  # noqa: F821
write_figure_table(table, snakemake.output.table, config=resolve_config(snakemake.config),  # noqa: F821
                   sources=snakemake.input.runs)  # noqa: F821
print(f"{fig}: {len(table)} rows", file=sys.stderr)
