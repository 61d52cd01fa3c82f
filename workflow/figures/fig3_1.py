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
# # Figure 3.1: frozen / duplicate units and online accuracy during continual learning
# Per architecture (no normalization, no dropout): dead fraction (ViT: duplicate fraction) on the left
# axis, online training accuracy on the right; mean over seeds with a +-1 std band kept inside [0, 1] and
# every seed's own curve drawn thin (seeds can split: a ViT seed collapses while others do not).
# Drawn only from the figure table `results/<preset>/figures/fig3_1.csv`.

# %%
import matplotlib.pyplot as plt

from lop.plots import (ARCH_TITLES, FRACTION, band, load_table, require, save_figure, script_io, seed_columns,
                       setup_style)

table_path, pdf_path = script_io(globals(), "fig3_1")
df, meta = load_table(table_path)
archs = [a for a in ARCH_TITLES if a in set(df["arch"])]
require(df, "arch", ["mlp", "cnn", "resnet", "vit"])
require(df, "role", ["symptom", "accuracy"])

# %%
setup_style()
fig, axes = plt.subplots(1, len(archs), figsize=(3.2 * len(archs), 2.6), squeeze=False)
for ax, arch in zip(axes[0], archs):
    d = df[df["arch"] == arch]
    sym = d[d["role"] == "symptom"].sort_values("step")
    acc = d[d["role"] == "accuracy"].sort_values("step")
    label = sym["metric"].iloc[0].replace("_", " ")
    band(ax, sym["step"], sym["mean"], sym["std"], label=label, color="C3", bounds=FRACTION, seeds=seed_columns(sym))
    ax.set_ylabel(label, color="C3")
    ax.set_xlabel("step")
    ax2 = ax.twinx()
    band(ax2, acc["step"], acc["mean"], acc["std"], label="online accuracy", color="C0", bounds=FRACTION,
         seeds=seed_columns(acc))
    ax2.set_ylabel("online accuracy", color="C0")
    ax2.grid(False)
    ax.set_title(ARCH_TITLES[arch])
fig.suptitle(f"Figure 3.1 (preset {meta.get('preset')}, {int(df['n_seeds'].max())} seeds)", y=1.03)
fig.tight_layout()
save_figure(fig, pdf_path, meta, "Figure 3.1")
