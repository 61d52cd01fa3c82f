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
# # Figure B.4: duplicate vs frozen units along training
# Per architecture (no normalization, no dropout): one point per metric window (mean over seeds);
# x = dead fraction (ViT: saturated fraction, since its residual stream has no exact zeros),
# y = duplicate fraction, colour = step, size = online training accuracy in that window.
# Drawn only from the figure table `results/<preset>/figures/figB_4.csv`.

# %%
import matplotlib.pyplot as plt

from lop.plots import ARCH_TITLES, FigureDataError, load_table, require, save_figure, script_io, setup_style

table_path, pdf_path = script_io(globals(), "figB_4")
df, meta = load_table(table_path)
require(df, "arch", ["mlp", "cnn", "resnet", "vit"])
require(df, "variant", ["none"])
for col in ("frozen_fraction", "duplicate_fraction", "accuracy"):
    if df[col].isna().all():
        raise FigureDataError(f"figB_4: column {col} is empty")
archs = [a for a in ARCH_TITLES if a in set(df["arch"])]
df = df[df["variant"] == "none"]

# %%
setup_style()
fig, axes = plt.subplots(1, len(archs), figsize=(3.2 * len(archs), 2.8), squeeze=False)
for ax, arch in zip(axes[0], archs):
    d = df[df["arch"] == arch].sort_values("step")
    ax.plot(d["frozen_fraction"], d["duplicate_fraction"], color="0.8", lw=0.7, zorder=1)
    sc = ax.scatter(d["frozen_fraction"], d["duplicate_fraction"], c=d["step"], s=10 + 90 * d["accuracy"].clip(0, 1),
                    cmap="viridis", vmin=0, vmax=df["step"].max(), edgecolor="k", linewidth=0.3, zorder=2)
    ax.set_xlabel(d["frozen_metric"].iloc[0].replace("_", " "))
    ax.set_title(ARCH_TITLES[arch])
axes[0][0].set_ylabel("duplicate fraction")
fig.colorbar(sc, ax=axes[0].tolist(), label="step", shrink=0.85, pad=0.01)
for acc in (0.25, 0.5, 1.0):  # size key
    axes[0][-1].scatter([], [], s=10 + 90 * acc, color="0.6", edgecolor="k", linewidth=0.3, label=f"acc {acc:g}")
axes[0][-1].legend(frameon=False, fontsize=6, loc="best")
fig.suptitle(f"Figure B.4 (preset {meta.get('preset')}, mean of {int(df['n_seeds'].max())} seeds per window)", y=1.03)
save_figure(fig, pdf_path, meta, "Figure B.4")
