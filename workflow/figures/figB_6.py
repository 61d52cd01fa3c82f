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
import matplotlib.pyplot as plt

from lop.plotting import ARCH_TITLES, FigureDataError, band, load_table, require, save_figure, script_io, setup_style

METRIC = {"mlp": "dead_fraction", "cnn": "dead_fraction", "resnet": "dead_fraction", "vit": "saturated_fraction"}

table_path, pdf_path = script_io(globals(), "figB_6")
df, meta = load_table(table_path)
require(df, "arch", list(METRIC))
require(df, "variant", ["none"])
require(df, "role", ["layer"])
archs = [a for a in ARCH_TITLES if a in set(df["arch"])]
df = df[df["variant"] == "none"]
for arch in archs:
    got = set(df.loc[df["arch"] == arch, "metric"])
    if got != {METRIC[arch]}:
        raise FigureDataError(f"figB_6: {arch} should show {METRIC[arch]} only; table has {sorted(got)}")
    if df.loc[df["arch"] == arch, "layer"].nunique() < 2:
        raise FigureDataError(f"figB_6: {arch} has fewer than 2 probed layers in the table")

# %%
setup_style()
fig, axes = plt.subplots(1, len(archs), figsize=(3.2 * len(archs), 2.8), squeeze=False)
for ax, arch in zip(axes[0], archs):
    d = df[df["arch"] == arch]
    layers = d[["layer_index", "layer"]].drop_duplicates().sort_values("layer_index")["layer"].tolist()
    cmap = plt.get_cmap("viridis_r")
    for k, layer in enumerate(layers):
        c = d[d["layer"] == layer].sort_values("step")
        band(ax, c["step"], c["mean"], c["std"], label=layer, color=cmap(0.15 + 0.8 * k / max(1, len(layers) - 1)),
             alpha=0.1)
    ax.set_title(ARCH_TITLES[arch])
    ax.set_xlabel("step")
    ax.set_ylabel(METRIC[arch].replace("_", " "))
    ax.legend(frameon=False, fontsize=6, ncol=2 if len(layers) > 5 else 1)
fig.suptitle(f"Figure B.6 (preset {meta.get('preset')}, {int(df['n_seeds'].max())} seeds, mean +- std)", y=1.03)
fig.tight_layout()
save_figure(fig, pdf_path, meta, "Figure B.6")
