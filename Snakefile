# lop: the pipeline of "Barriers for Learning in an Evolving World" (arXiv 2510.00304 v1).
#   snakemake -c2 figures/fig3_1.pdf                       # one figure, the default cpu tier (CPU)
#   snakemake -c2 figures/paper/fig3_1.pdf --config preset=paper  # paper scale (GPU / cluster); figures of
#                                         # a non-default preset go to figures/<preset>/ (lop.figures.figure_dir)
# Rules live in workflow/rules/*.smk; the library (lop/) never imports Snakemake.


configfile: "config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/continual.smk"
include: "workflow/rules/cloning.smk"
include: "workflow/rules/bitflip.smk"
include: "workflow/rules/theory.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/checks.smk"
include: "workflow/rules/extensions.smk"  # beyond the paper; not part of `all`


# `snakemake` with no target builds `all` (the 18 figures + the audit report). Snakemake restores the
# default target after each include, so it is set here rather than in checks.smk.
workflow.default_target = "all"


# Cheap rules run on the submitting machine under cluster executors (workflow/profiles/slurm).
localrules:
    synthetic_data,
    theory_table,
    figure_table,
    render_figure,
    paper_checks,
    extension_tables,
    extension_figure,
    extensions,
