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
# # Figure B.2: bit flipping, SGD phase vs CBP phase per width
# Drawn from `results/<preset>/figures/figB_2.csv`: each metric averaged over the last
# `bitflip.figure.phase_window` samples of each phase, bars = mean over seeds, error bars = 1 std.
# The paper shows effective rank, duplicate fraction and loss; dead fraction is added because it
# explains the rank drop. The table holds the main switch point only.

# %%
import matplotlib.pyplot as plt
import numpy as np

from lop.plots import load_table, require, save_figure, script_io, setup_style

table_path, pdf_path = script_io(globals(), "figB_2")
df, meta = load_table(table_path)
panels = [("effective_rank", "effective rank"), ("duplicate_fraction", "duplicate fraction"),
          ("loss", "online loss (MSE)"), ("dead_fraction", "dead fraction")]
require(df, "metric", [m for m, _ in panels])
require(df, "phase", ["sgd", "cbp"])
setup_style()

# %%
widths = sorted(df.width.unique())
x = np.arange(len(widths))
fig, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 3.0))
for ax, (metric, label) in zip(axes, panels):
    for k, (phase, name, color) in enumerate([("sgd", "SGD phase", "tab:blue"), ("cbp", "CBP phase", "tab:orange")]):
        d = df[(df.metric == metric) & (df.phase == phase)].set_index("width").reindex(widths)
        ax.bar(x + (k - 0.5) * 0.38, d["mean"], 0.38, yerr=d["std"].fillna(0), capsize=2, label=name, color=color)
    ax.set_xticks(x, [str(w) for w in widths])
    ax.set_xlabel("hidden width")
    ax.set_title(label)
    if metric == "loss":
        ax.set_yscale("log")
axes[0].legend(fontsize=7)
fig.tight_layout()
save_figure(fig, pdf_path, meta, "Figure B.2: bit flipping, SGD vs CBP phase by width")
