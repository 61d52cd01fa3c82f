"""Snakemake script: one figure table, by the builder the registry (lop.figures) names, and its sidecar."""
import contextlib
from importlib import import_module

from lop.provenance import write_figure_table


def resolve(ref):
    """'package.module:function' -> the function (the registry names builders without importing them)."""
    module, _, name = ref.partition(":")
    return getattr(import_module(module), name)


smk = snakemake  # noqa: F821 (injected by Snakemake)
with open(smk.log[0], "w") as log, contextlib.redirect_stderr(log), contextlib.redirect_stdout(log):
    runs = resolve(smk.params.loader)(smk.input.runs)
    table = resolve(smk.params.builder)(runs, **smk.params.settings)
    write_figure_table(table, smk.output.table, sources=smk.input.runs,
                       config={"preset": smk.params.preset, "figure": smk.wildcards.fig, **smk.params.settings})
    print(f"{smk.wildcards.fig}: {len(table)} rows")
