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
# # Figure 2.1: escaping the cloning manifold (MLP + BN, cloned x2)
# (a) 1 - cloning R^2 (forward solid, backward dashed; symlog axis, 0 = exact copies), (b) train loss of
# clone (solid) and base (dotted), (c) effective rank of clone and base, for SGD, Noisy SGD and Dropout.
# Mean over seeds with a +-1 std band. Drawn only from `results/<preset>/figures/fig2_1.csv`.

# %%
import matplotlib.pyplot as plt

from lop.plots import load_table, require, save_figure, script_io, setup_style
from lop.plots.cloning import style_note, three_panels

table_path, pdf_path = script_io(globals(), "fig2_1")
df, meta = load_table(table_path)
require(df, "method", ["sgd", "noisy_sgd", "dropout"])
require(df, "metric", ["one_minus_r2_forward", "train_loss", "effective_rank"])
variants = [df.loc[df["method"] == m, "variant"].iloc[0] for m in ("sgd", "noisy_sgd", "dropout")]

# %%
setup_style()
fig, axes = plt.subplots(1, 3, figsize=(10, 2.8))
three_panels(axes, df, variants)
for ax, t in zip(axes, ["(a) cloning $R^2$ escape", "(b) train loss", "(c) effective rank"]):
    ax.set_title(t)
axes[0].legend(fontsize=7)
fig.suptitle(f"Figure 2.1: MLP cloning (preset {meta.get('preset')}, {int(df['n_seeds'].max())} seeds)", y=1.03)
fig.tight_layout()
style_note(fig)
save_figure(fig, pdf_path, meta, "Figure 2.1")
