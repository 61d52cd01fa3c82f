# Generic rendering: figures/<fig>.pdf is drawn by workflow/figures/<fig>.py from the figure table
# results/<preset>/figures/<fig>.csv (exactly the plotted data). Each experiment's .smk file provides
# the table rule. The preset is a param so that switching presets re-renders.
# `snakemake --report report.html` shows every figure with its caption (workflow/report/captions.yaml,
# rendered through workflow/report/figure.rst) and provenance.
import yaml as _yaml

# Figures of different presets never overwrite each other: the default preset (config.yaml `preset`, the
# one a user gets from `snakemake figures/fig3_1.pdf`) renders to figures/<fig>.pdf, any other preset to
# figures/<preset>/<fig>.pdf. FIGURE_DIR is the one place that decides this (`all` and the audit report's
# links read it).
from paper_checks import figure_dir

FIGURE_DIR = figure_dir(PRESET)
FIGURE_CAPTIONS = _yaml.safe_load((Path(workflow.basedir) / "workflow/report/captions.yaml").read_text())


rule render_figure:
    wildcard_constraints:
        fig="[A-Za-z0-9_]+",  # figures/<fig>.pdf must not also match figures/<preset>/<fig>.pdf
    input:
        table=f"{RESULTS}/figures/{{fig}}.csv",
    output:
        report(f"{FIGURE_DIR}/{{fig}}.pdf", caption="../report/figure.rst", category="Figures"),
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


if FIGURE_DIR != "figures":
    # figures/<fig>.pdf belongs to the default preset; asking for it at another preset is a one-line error
    # that names the right target (rather than silently overwriting the default preset's figure).
    def _other_preset_figure(wc):
        raise WorkflowError(f"figures/{wc.fig}.pdf is the default preset's figure; at preset={PRESET} "
                            f"ask for {FIGURE_DIR}/{wc.fig}.pdf")

    rule figure_of_default_preset:
        wildcard_constraints:
            fig="[A-Za-z0-9_]+",
        input:
            _other_preset_figure,
        output:
            "figures/{fig}.pdf",
        shell:
            "false"
