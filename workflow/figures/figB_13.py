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
# # Figure B.13: MLP cloning, SGD vs Adam
# (a) 1 - cloning R^2 (forward solid, backward dashed; symlog, 0 = exact copies), (b) train loss clone
# (solid) vs base (dotted), (c) effective rank. Both optimizers keep the clone on the cloning manifold
# (Theorem 2.1(2), Remark 2.3: the clone's Adam state starts at cloning). Mean over seeds, +-1 std band.
# Drawn only from `results/<preset>/figures/figB_13.csv`.

# %%
from lop.plots import load_table, require, save_figure, script_io, setup_style
from lop.plots.cloning import optimizer_figure, style_note

table_path, pdf_path = script_io(globals(), "figB_13")
df, meta = load_table(table_path)
require(df, "variant", ["sgd", "adam"])

# %%
setup_style()
fig = optimizer_figure(df)
fig.suptitle(f"Figure B.13: MLP cloning, SGD vs Adam (preset {meta.get('preset')}, "
             f"{int(df['n_seeds'].max())} seeds)", y=1.03)
fig.tight_layout()
style_note(fig)
save_figure(fig, pdf_path, meta, "Figure B.13")
