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
# # Figure B.12: cloning with dropout p in {0 (SGD), 0.1, 0.2} for MLP, CNN and ViT
# Top row: clone train loss (solid) and base (dotted). Bottom row: 1 - forward cloning R^2 (symlog,
# 0 = exact copies). Mean over seeds, +-1 std band. Drawn only from `results/<preset>/figures/figB_12.csv`.

# %%
import matplotlib.pyplot as plt

from lop.plots import ARCH_TITLES, load_table, require, save_figure, script_io, setup_style
from lop.plots.cloning import draw, escape_axis, series

table_path, pdf_path = script_io(globals(), "figB_12")
df, meta = load_table(table_path)
require(df, "arch", ["mlp", "cnn", "vit"])
require(df, "method", ["sgd", "dropout"])
archs = [a for a in ("mlp", "cnn", "vit") if a in set(df["arch"])]
variants = ["sgd"] + sorted(df.loc[df["method"] == "dropout", "variant"].unique())

# %%
setup_style()
fig, axes = plt.subplots(2, len(archs), figsize=(3.4 * len(archs), 4.8), squeeze=False, sharex=True)
for j, arch in enumerate(archs):
    for i, v in enumerate(variants):
        p = df.loc[df["variant"] == v, "dropout"].iloc[0]
        draw(axes[0][j], series(df, v, "clone", "train_loss", arch), label=f"p = {p:g}", color=f"C{i}")
        draw(axes[0][j], series(df, v, "base", "train_loss", arch), color=f"C{i}", linestyle=":")
        draw(axes[1][j], series(df, v, "clone", "one_minus_r2_forward", arch), color=f"C{i}")
    axes[0][j].set_title(ARCH_TITLES[arch])
    axes[0][j].set_ylabel("train loss")
    escape_axis(axes[1][j])
    axes[1][j].set_xlabel("stage-2 step")
axes[0][0].legend(fontsize=7)
fig.suptitle(f"Figure B.12: dropout (preset {meta.get('preset')}, {int(df['n_seeds'].max())} seeds)", y=1.01)
fig.tight_layout()
save_figure(fig, pdf_path, meta, "Figure B.12")
