"""Snakemake script: one figure table, built by the figure registry (lop.figures.Figure.build), and its sidecar."""
import sys

from lop.figures import figure
from lop.joblog import to_log
from lop.provenance import write_figure_table

smk = snakemake  # noqa: F821 (injected by Snakemake)
to_log(smk.log[0], "w")  # messages to the log; a failure's one line to the terminal
table = figure(smk.wildcards.fig).build(smk.input.runs, smk.params.settings)
write_figure_table(table, smk.output.table, sources=smk.input.runs,
                   config={"preset": smk.params.preset, "figure": smk.wildcards.fig, **smk.params.settings})
print(f"{smk.wildcards.fig}: {len(table)} rows", file=sys.stderr)
