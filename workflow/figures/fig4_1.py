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
# # Figure 4.1: normalization keeps the effective rank up during continual learning
# Per architecture: effective rank (mean over probed layers) vs step for no normalization, BatchNorm
# and LayerNorm (GroupNorm(1, C) for conv nets), each norm without and with affine parameters; mean over
# seeds with a +-1 std band. Colour = normalization, line style = affine. The v1 caption says the
# affine variants are dotted; upstream's plotting code drew the NON-affine ones dotted (audit finding d5-affine-dotted).
# `AFFINE_DOTTED` picks the convention and the legend states it.
# Drawn only from the figure table `results/<preset>/figures/fig4_1.csv`.

# %%
import matplotlib.pyplot as plt
from matplotlib.lines import Line2D

from lop.plots import ARCH_TITLES, band, load_table, require, save_figure, script_io, setup_style

AFFINE_DOTTED = True  # the paper caption's convention (upstream: False)
VARIANTS = ["none", "batch", "batch-affine", "layer", "layer-affine"]
NORM_COLOR = {"none": "C3", "batch": "C0", "layer": "C2"}
NORM_LABEL = {"none": "no norm", "batch": "BN", "layer": "LN"}

table_path, pdf_path = script_io(globals(), "fig4_1")
df, meta = load_table(table_path)
require(df, "arch", ["mlp", "cnn", "resnet", "vit"])
require(df, "variant", VARIANTS)
require(df, "role", ["rank"])
archs = [a for a in ARCH_TITLES if a in set(df["arch"])]
for arch in archs:  # every arch must have every variant, not just the table as a whole
    require(df[df["arch"] == arch], "variant", VARIANTS)


def style(variant: str) -> str:
    affine = variant.endswith("-affine")
    return ":" if affine == AFFINE_DOTTED and variant != "none" else "-"


# %%
setup_style()
fig, axes = plt.subplots(1, len(archs), figsize=(3.2 * len(archs), 2.8), squeeze=False)
for ax, arch in zip(axes[0], archs):
    d = df[(df["arch"] == arch) & (df["role"] == "rank")]
    for v in VARIANTS:
        c = d[d["variant"] == v].sort_values("step")
        norm = v.split("-")[0]
        band(ax, c["step"], c["mean"], c["std"], color=NORM_COLOR[norm], linestyle=style(v), alpha=0.12)
    ax.set_title(ARCH_TITLES[arch])
    ax.set_xlabel("step")
axes[0][0].set_ylabel("effective rank")
handles = [Line2D([], [], color=NORM_COLOR[n], label=NORM_LABEL[n]) for n in NORM_COLOR]
dotted, solid = ("affine", "no affine") if AFFINE_DOTTED else ("no affine", "affine")
handles += [Line2D([], [], color="0.3", linestyle="-", label=f"solid: {solid}"),
            Line2D([], [], color="0.3", linestyle=":", label=f"dotted: {dotted}")]
fig.legend(handles=handles, loc="lower center", ncol=len(handles), bbox_to_anchor=(0.5, -0.1), frameon=False)
fig.suptitle(f"Figure 4.1 (preset {meta.get('preset')}, {int(df['n_seeds'].max())} seeds, mean +- std)", y=1.03)
fig.tight_layout()
save_figure(fig, pdf_path, meta, "Figure 4.1")
