"""Snakemake script: figure table B.1 or B.2 from the bit-flipping runs (exactly the plotted data)."""
from lop.experiments.bitflip import figure_b1_table, figure_b2_table, load_runs
from lop.joblog import to_log
from lop.provenance import write_figure_table

smk = snakemake  # noqa: F821 (injected by Snakemake)
to_log(smk.log[0], "w")  # messages to the log; a failure's one line to the terminal
cfg = smk.params.cfg
frames = load_runs(smk.params.by_switch)
if smk.wildcards.bffig == "figB_2":  # bars for the main switch point only
    frames = frames[frames.switch == float(cfg["bitflip"]["switch"])]
build = {"figB_1": figure_b1_table, "figB_2": figure_b2_table}[smk.wildcards.bffig]
table = build(frames, cfg["bitflip"])
write_figure_table(table, smk.output.table, config=cfg, sources=smk.input.runs)
