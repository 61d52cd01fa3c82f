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
# # Extension: plasticity methods in the continual-learning protocol (beyond the paper)
# Per architecture (columns): online accuracy, dead fraction, duplicate fraction and effective rank per
# task (rows), one line per method (lop.methods), mean over seeds with a +-1 std band. Drawn only from
# the table `results/<preset>/extensions/ext_methods.csv` (lop.figtables.extensions).

# %%
import matplotlib.pyplot as plt

from lop.figtables.extensions import ROLES
from lop.plots import ARCH_TITLES, band, bounds_of, load_table, require, save_figure, setup_style

try:
    table_path, pdf_path = snakemake.input.table, snakemake.output[0]  # noqa: F821
except NameError:  # interactive / command line: python workflow/figures/ext_methods.py TABLE PDF
    import sys
    table_path, pdf_path = (sys.argv[1:3] + ["figures/ext_methods.pdf"])[:2] if len(sys.argv) > 1 else \
        ("results/small/extensions/ext_methods.csv", "figures/ext_methods.pdf")
df, meta = load_table(table_path)
require(df, "role", list(ROLES))
archs = [a for a in ARCH_TITLES if a in set(df["arch"])]
methods = sorted(set(df["method"]), key=lambda m: (m != "none", m))  # the baseline first, drawn in black
labels = {"accuracy": "online accuracy", "dead": "dead fraction", "duplicate": "duplicate fraction",
          "rank": "effective rank"}

# %%
setup_style()
fig, axes = plt.subplots(len(ROLES), len(archs), figsize=(3.0 * len(archs), 2.1 * len(ROLES)), squeeze=False,
                         sharex=True)
for j, arch in enumerate(archs):
    for i, role in enumerate(ROLES):
        ax = axes[i][j]
        d = df[(df["arch"] == arch) & (df["role"] == role)]
        for k, m in enumerate(methods):
            c = d[d["method"] == m].sort_values("task")
            band(ax, c["task"] + 1, c["mean"], c["std"], label=m, color="k" if m == "none" else f"C{k}",
                 linestyle="--" if m == "none" else "-", alpha=0.12, bounds=bounds_of(role))
        if j == 0:
            ax.set_ylabel(labels[role])
        if i == 0:
            ax.set_title(ARCH_TITLES[arch])
        if i == len(ROLES) - 1:
            ax.set_xlabel("task")
            ax.xaxis.get_major_locator().set_params(integer=True)
axes[0][0].legend(fontsize=6, ncol=2)
fig.suptitle(f"Extension: plasticity methods (preset {meta.get('preset')}, {int(df['n_seeds'].max())} seeds; "
             "not a claim of the paper)", y=1.01)
fig.tight_layout()
save_figure(fig, pdf_path, meta, "Extension: plasticity methods")
