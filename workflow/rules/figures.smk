# Generic rendering: figures/<fig>.pdf is drawn by workflow/figures/<fig>.py from the figure table
# results/<preset>/figures/<fig>.csv (exactly the plotted data). Each experiment's .smk file provides
# the table rule. The preset is a param so that switching presets re-renders.
# `snakemake --report report.html` shows every figure with its caption (workflow/report/captions.yaml,
# rendered through workflow/report/figure.rst) and provenance.
import yaml as _yaml

FIGURE_CAPTIONS = _yaml.safe_load((Path(workflow.basedir) / "workflow/report/captions.yaml").read_text())


rule render_figure:
    input:
        table=f"{RESULTS}/figures/{{fig}}.csv",
    output:
        report("figures/{fig}.pdf", caption="../report/figure.rst", category="Figures"),
    params:
        preset=PRESET,
        config_hash=CONFIG_HASH,
        caption=lambda wc: FIGURE_CAPTIONS.get(wc.fig, "(no caption in workflow/report/captions.yaml)"),
        code=source_hash("lop/plotting.py"),
    log:
        f"{RESULTS}/logs/render/{{fig}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/render/{{fig}}.tsv"
    conda:
        ENV
    script:
        "../figures/{wildcards.fig}.py"
