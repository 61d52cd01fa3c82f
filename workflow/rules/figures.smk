# Generic rendering: figures/<fig>.pdf is drawn by workflow/figures/<fig>.py from the figure table
# results/<preset>/figures/<fig>.csv (exactly the plotted data). Each experiment's .smk file provides
# the table rule. The preset is a param so that switching presets re-renders.


rule render_figure:
    input:
        table=f"{RESULTS}/figures/{{fig}}.csv",
    output:
        "figures/{fig}.pdf",
    params:
        preset=PRESET,
        code=source_hash("lop/plotting.py"),
    log:
        f"{RESULTS}/logs/render/{{fig}}.log",
    conda:
        ENV
    script:
        "../figures/{wildcards.fig}.py"
