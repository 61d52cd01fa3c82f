# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Figure B.1: bit flipping, online loss and effective rank vs samples, SGD -> CBP
# Drawn from `results/<preset>/figures/figB_1.csv` (bins of `bitflip.figure.bin` samples, mean +- 1 std over
# seeds); the dashed line marks the switch from SGD to Continual Backprop. One row per switch point.

# %%
import matplotlib.pyplot as plt

from lop.plots import band, load_table, require, save_figure, script_io, setup_style

table_path, pdf_path = script_io(globals(), "figB_1")
df, meta = load_table(table_path)
require(df, "metric", ["loss", "effective_rank"])
setup_style()

# %%
switches = sorted(df.switch.unique())
widths = sorted(df.width.unique())
colors = dict(zip(widths, plt.cm.viridis([0.1 + 0.8 * i / max(1, len(widths) - 1) for i in range(len(widths))])))
fig, axes = plt.subplots(len(switches), 2, figsize=(9, 3.0 * len(switches)), squeeze=False)
for r, sw in enumerate(switches):
    for c, (metric, label) in enumerate([("loss", "online loss (MSE)"), ("effective_rank", "effective rank")]):
        ax = axes[r, c]
        for w in widths:
            d = df[(df.switch == sw) & (df.width == w) & (df.metric == metric)].sort_values("samples")
            band(ax, d.samples.to_numpy(), d["mean"].to_numpy(), d["std"].fillna(0).to_numpy(),
                 label=f"width {w}", color=colors[w])
        ax.axvline(df[df.switch == sw].switch_step.iloc[0], color="k", ls="--", lw=1, label="SGD -> CBP")
        ax.set_xlabel("samples")
        ax.set_ylabel(label)
        if metric == "loss":
            ax.set_yscale("log")
        ax.set_title(f"{label} (switch at {sw:g})")
handles, labels = axes[0, 1].get_legend_handles_labels()
fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=7, frameon=False)
fig.tight_layout(rect=(0, 0.07 / len(switches), 1, 1))
save_figure(fig, pdf_path, meta, "Figure B.1: bit flipping, SGD then CBP")
