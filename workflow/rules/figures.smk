# Figure tables and renders, for every figure of the registry (lop.figures):
#   results/<preset>/figures/<fig>.csv  the figure table (exactly the plotted data), from the runs the
#                                       registry says the figure reads, by the builder it names;
#   figures/<fig>.pdf                   drawn by workflow/figures/<fig>.py from that table only.
# Params are what each job reads (the table builder's settings; the preset, stamped into the PDF) and
# the hash of the code it runs (its script and every repo module that script imports), so a change
# reruns exactly the tables and renders it affects.
# `snakemake --report report.html` shows every figure with its caption (workflow/report/captions.yaml,
# rendered through workflow/report/figure.rst) and provenance.
import yaml as _yaml

# Figures of different presets never overwrite each other: the default preset (config.yaml `preset`, the
# one a user gets from `snakemake figures/fig3_1.pdf`) renders to figures/<fig>.pdf, any other preset to
# figures/<preset>/<fig>.pdf (lop.figures.figure_dir; `all` and the audit report's links read it too).
FIGURE_DIR = figure_dir(PRESET, default_preset())
FIGURE_CAPTIONS = _yaml.safe_load((Path(workflow.basedir) / "workflow/report/captions.yaml").read_text())
TABLE_CODE = {f.name: code_hash("workflow/scripts/figure_table.py", *f.code_files()) for f in FIGURES.values()}
RENDER_CODE = {f.name: code_hash(f.script) for f in FIGURES.values()}


rule figure_table:
    input:
        runs=lambda w: figure_runs(w.fig),
    output:
        table=f"{RESULTS}/figures/{{fig}}.csv",
        meta=f"{RESULTS}/figures/{{fig}}.json",
    log:
        f"{RESULTS}/logs/tables/{{fig}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/tables/{{fig}}.tsv"
    conda:
        ENV
    params:
        settings=lambda w: FIGURES[w.fig].settings(CFG),
        preset=PRESET,
        code=lambda w: TABLE_CODE[w.fig],
    script:
        "../scripts/figure_table.py"


rule render_figure:
    input:
        table=f"{RESULTS}/figures/{{fig}}.csv",
    output:
        report(f"{FIGURE_DIR}/{{fig}}.pdf", caption="../report/figure.rst", category="Figures"),
    log:
        f"{RESULTS}/logs/render/{{fig}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/render/{{fig}}.tsv"
    wildcard_constraints:
        fig="[A-Za-z0-9_]+",  # figures/<fig>.pdf must not also match figures/<preset>/<fig>.pdf
    conda:
        ENV
    params:
        preset=PRESET,
        caption=lambda wc: FIGURE_CAPTIONS.get(wc.fig, "(no caption in workflow/report/captions.yaml)"),
        code=lambda wc: RENDER_CODE[wc.fig],
    script:
        "../figures/{wildcards.fig}.py"


if FIGURE_DIR != "figures":

    # figures/<fig>.pdf belongs to the default preset; asking for it at another preset is a one-line error
    # that names the right target (rather than silently overwriting the default preset's figure).
    rule figure_of_default_preset:
        input:
            lambda wc: other_preset_figure(wc.fig, PRESET, FIGURE_DIR),
        output:
            "figures/{fig}.pdf",
        log:
            f"{RESULTS}/logs/render/default_preset_{{fig}}.log",
        wildcard_constraints:
            fig="[A-Za-z0-9_]+",
        conda:
            ENV
        shell:
            "false"
