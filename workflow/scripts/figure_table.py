"""Snakemake script: one figure table, by the builder the registry (lop.figures) names, and its sidecar."""
import sys
from importlib import import_module

from lop.joblog import to_log
from lop.provenance import write_figure_table


def resolve(ref):
    """'package.module:function' -> the function (the registry names builders without importing them)."""
    module, _, name = ref.partition(":")
    return getattr(import_module(module), name)


smk = snakemake  # noqa: F821 (injected by Snakemake)
to_log(smk.log[0], "w")  # messages to the log; a failure's one line to the terminal
runs = resolve(smk.params.loader)(smk.input.runs)
table = resolve(smk.params.builder)(runs, **smk.params.settings)
write_figure_table(table, smk.output.table, sources=smk.input.runs,
                   config={"preset": smk.params.preset, "figure": smk.wildcards.fig, **smk.params.settings})
print(f"{smk.wildcards.fig}: {len(table)} rows", file=sys.stderr)
