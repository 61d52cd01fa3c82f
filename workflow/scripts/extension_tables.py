"""Snakemake script: the extension grid's figure table, effects table and Markdown section
(lop.figtables.extensions)."""
import sys

from lop.figtables import extensions as ext
from lop.joblog import to_log
from lop.provenance import write_figure_table, write_text_atomic

smk = snakemake  # noqa: F821 (injected by Snakemake)
to_log(smk.log[0], "w")  # messages to the log; a failure's one line to the terminal
cfg = smk.params.settings  # what the tables read (workflow/rules/extensions.smk)
runs = ext.load_grid(smk.input.runs)
write_figure_table(ext.curves(runs), smk.output.curves, config=cfg, sources=smk.input.runs)
eff = ext.effects(runs)
write_figure_table(eff, smk.output.effects, config=cfg, sources=smk.input.runs)
e = cfg["extensions"]
setting = (f"Preset `{cfg['preset']}`, dataset `{cfg['dataset']}`, {e['num_tasks']} tasks x "
           f"{e['steps_per_task']} steps, seeds {e['seeds']}, no normalization; method settings "
           f"`continual.method_params` = {cfg['method_params']}.")
write_text_atomic(smk.output.md, ext.markdown(eff, {"setting": setting}))
print(f"extensions: {len(eff)} effect rows", file=sys.stderr)
