# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     name: python3
# ---

# %% [markdown]
# # Figure B.6: dead (ViT: saturated) fraction per layer during continual learning
# Per architecture (no normalization, no dropout): dead fraction (ViT: saturated fraction, the residual stream has no exact zeros) of every probed layer vs step, one line per
# layer (lighter = closer to the input, darker = deeper), mean over seeds with a +-1 std band.
# Drawn only from the figure table `results/<preset>/figures/figB_6.csv`.

# %%
from lop.plots import load_table, save_figure, script_io, setup_style
from lop.plots.continual import per_layer_figure

METRIC = {"mlp": "dead_fraction", "cnn": "dead_fraction", "resnet": "dead_fraction", "vit": "saturated_fraction"}

table_path, pdf_path = script_io(globals(), "figB_6")
df, meta = load_table(table_path)

# %%
setup_style()
fig = per_layer_figure(df, "figB_6", METRIC)
fig.suptitle(f"Figure B.6 (preset {meta.get('preset')}, {int(df['n_seeds'].max())} seeds, mean +- std)", y=1.03)
fig.tight_layout()
save_figure(fig, pdf_path, meta, "Figure B.6")
