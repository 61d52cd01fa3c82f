"""Snakemake script: the extension grid's figure table, effects table and Markdown section
(lop.figtables.extensions)."""
import sys

from lop.config import resolve_config
from lop.figtables import extensions as ext
from lop.provenance import write_figure_table, write_text_atomic

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821
cfg = resolve_config(snakemake.config)  # noqa: F821
runs = ext.load_grid(snakemake.input.runs)  # noqa: F821
write_figure_table(ext.curves(runs), snakemake.output.curves, config=cfg, sources=snakemake.input.runs)  # noqa: F821
eff = ext.effects(runs)
write_figure_table(eff, snakemake.output.effects, config=cfg, sources=snakemake.input.runs)  # noqa: F821
e = cfg["extensions"]
setting = (f"Preset `{cfg['preset']}`, dataset `{cfg['continual']['dataset']}`, {e['num_tasks']} tasks x "
           f"{e['steps_per_task']} steps, seeds {e['seeds']}, no normalization; method settings "
           f"`continual.method_params` = {cfg['continual']['method_params']}.")
write_text_atomic(snakemake.output.md, ext.markdown(eff, {"setting": setting}))  # noqa: F821
print(f"extensions: {len(eff)} effect rows", file=sys.stderr)
