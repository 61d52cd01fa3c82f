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
# # Figure B.8: MLP cloning under Noisy SGD, one panel per decay, one line per sigma0
# Top row: clone train loss (solid; SGD clone as the grey reference). Bottom row: 1 - forward cloning
# R^2 (symlog, 0 = exact copies), i.e. how far the noise has moved the clone off the cloning manifold.
# Mean over seeds, +-1 std band. Drawn only from `results/<preset>/figures/figB_8.csv`.

# %%
from lop.plots import load_table, require, save_figure, script_io, setup_style
from lop.plots.cloning import noise_grid_figure

table_path, pdf_path = script_io(globals(), "figB_8")
df, meta = load_table(table_path)
require(df, "method", ["sgd", "noisy_sgd"])

# %%
setup_style()
fig = noise_grid_figure(df, panel_key="decay", line_key="sigma0")
fig.suptitle(f"Figure B.8: MLP Noisy SGD grid (preset {meta.get('preset')}, {int(df['n_seeds'].max())} seeds)", y=1.01)
fig.tight_layout()
save_figure(fig, pdf_path, meta, "Figure B.8")
