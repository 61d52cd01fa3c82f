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
# # Figure B.9: MLP cloning under Noisy SGD, one panel per sigma0, one line per decay
# Top row: clone train loss (solid; SGD clone as the grey reference). Bottom row: 1 - forward cloning
# R^2 (symlog, 0 = exact copies), i.e. how far the noise has moved the clone off the cloning manifold.
# Mean over seeds, +-1 std band. Drawn only from `results/<preset>/figures/figB_9.csv`.

# %%
import matplotlib.pyplot as plt

from lop.plotting import load_table, require, save_figure, script_io, setup_style
from lop.plotting_cloning import draw, escape_axis, series

table_path, pdf_path = script_io(globals(), "figB_9")
df, meta = load_table(table_path)
require(df, "method", ["sgd", "noisy_sgd"])
noisy = df[df["method"] == "noisy_sgd"]
panels = sorted(noisy["sigma0"].unique())
lines = sorted(noisy["decay"].unique())
NAMES = {"sigma0": "$\\sigma_0$", "decay": "$\\lambda$"}

# %%
setup_style()
fig, axes = plt.subplots(2, len(panels), figsize=(3.3 * len(panels), 4.8), squeeze=False, sharex=True)
for j, p in enumerate(panels):
    top, bottom = axes[0][j], axes[1][j]
    draw(top, series(df, "sgd", "clone", "train_loss"), label="SGD", color="0.5", linestyle="--")
    for i, v in enumerate(lines):
        sel = noisy[(noisy["sigma0"] == p) & (noisy["decay"] == v)]
        if sel.empty:
            continue
        variant = sel["variant"].iloc[0]
        draw(top, series(df, variant, "clone", "train_loss"), label=f"{NAMES['decay']} = {v:g}", color=f"C{i}")
        draw(bottom, series(df, variant, "clone", "one_minus_r2_forward"), color=f"C{i}")
    top.set_title(f"{NAMES['sigma0']} = {p:g}")
    top.set_ylabel("clone train loss")
    escape_axis(bottom)
    bottom.set_xlabel("stage-2 step")
axes[0][0].legend(fontsize=7)
fig.suptitle(f"Figure B.9: MLP Noisy SGD grid (preset {meta.get('preset')}, {int(df['n_seeds'].max())} seeds)",
             y=1.01)
fig.tight_layout()
save_figure(fig, pdf_path, meta, "Figure B.9")
