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
# # Figure 3.2: effective rank and frozen / duplicate units during continual learning
# Per architecture (no normalization, no dropout): effective rank of the probed layers (mean over
# layers) on the left axis, dead fraction (ViT: duplicate fraction) on the right; mean over seeds with
# a +-1 std band. The paper's claim: the rank falls while the symptom rises.
# Drawn only from the figure table `results/<preset>/figures/fig3_2.csv`.

# %%
import matplotlib.pyplot as plt

from lop.plots import (ARCH_TITLES, FRACTION, FigureDataError, band, load_table, require, save_figure, script_io,
                       seed_columns, setup_style)

table_path, pdf_path = script_io(globals(), "fig3_2")
df, meta = load_table(table_path)
require(df, "arch", ["mlp", "cnn", "resnet", "vit"])
require(df, "variant", ["none"])
require(df, "role", ["rank", "symptom"])
archs = [a for a in ARCH_TITLES if a in set(df["arch"])]
df = df[df["variant"] == "none"]

# %%
setup_style()
fig, axes = plt.subplots(1, len(archs), figsize=(3.2 * len(archs), 2.6), squeeze=False)
for ax, arch in zip(axes[0], archs):
    d = df[df["arch"] == arch]
    rank = d[d["role"] == "rank"].sort_values("step")
    sym = d[d["role"] == "symptom"].sort_values("step")
    if rank.empty or sym.empty:
        raise FigureDataError(f"fig3_2: {arch} lacks the rank or symptom curve")
    band(ax, rank["step"], rank["mean"], rank["std"], label="effective rank", color="C0", bounds=(0.0, None))
    ax.set_ylabel("effective rank", color="C0")
    ax.set_xlabel("step")
    ax2 = ax.twinx()
    label = sym["metric"].iloc[0].replace("_", " ")
    band(ax2, sym["step"], sym["mean"], sym["std"], label=label, color="C3", bounds=FRACTION, seeds=seed_columns(sym))
    ax2.set_ylabel(label, color="C3")
    ax2.grid(False)
    ax.set_title(ARCH_TITLES[arch])
fig.suptitle(f"Figure 3.2 (preset {meta.get('preset')}, {int(df['n_seeds'].max())} seeds, mean +- std)", y=1.03)
fig.tight_layout()
save_figure(fig, pdf_path, meta, "Figure 3.2")
