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
# # Figure B.7: cloning for all four architectures
# Rows MLP, CNN, ResNet, ViT (BN; ViT LN); columns (a) 1 - cloning R^2 (forward solid, backward
# dashed, symlog), (b) train loss clone (solid) vs base (dotted), (c) effective rank; SGD, Noisy SGD,
# Dropout. Mean over seeds, +-1 std band. Drawn only from `results/<preset>/figures/figB_7.csv`.

# %%
import matplotlib.pyplot as plt

from lop.plots import ARCH_TITLES, load_table, require, save_figure, script_io, setup_style
from lop.plots.cloning import style_note, three_panels

table_path, pdf_path = script_io(globals(), "figB_7")
df, meta = load_table(table_path)
require(df, "method", ["sgd", "noisy_sgd", "dropout"])
archs = [a for a in ARCH_TITLES if a in set(df["arch"])]
variants = [df.loc[df["method"] == m, "variant"].iloc[0] for m in ("sgd", "noisy_sgd", "dropout")]

# %%
setup_style()
fig, axes = plt.subplots(len(archs), 3, figsize=(10, 2.4 * len(archs)), squeeze=False)
for row, arch in zip(axes, archs):
    three_panels(row, df, variants, arch=arch)
    row[0].set_title(f"{ARCH_TITLES[arch]}: cloning $R^2$ escape")
    row[1].set_title(f"{ARCH_TITLES[arch]}: train loss")
    row[2].set_title(f"{ARCH_TITLES[arch]}: effective rank")
axes[0][0].legend(fontsize=7)
fig.suptitle(f"Figure B.7: cloning per architecture (preset {meta.get('preset')}, "
             f"{int(df['n_seeds'].max())} seeds)", y=1.01)
fig.tight_layout()
style_note(fig)
save_figure(fig, pdf_path, meta, "Figure B.7")
