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
# # Figure B.3: frozen units, duplicates and accuracy over normalization x dropout
# 3 x 4 bar grid. Rows: dead fraction (ViT: saturated fraction), duplicate fraction (both averaged over
# every probe of the run and over the probed layers), mean online training accuracy over the run.
# Columns: architectures. Bars: {no norm, BN, LN} (affine, the PyTorch default) x dropout {0, p};
# height = mean over seeds, error bar = std over seeds.
# Drawn only from the figure table `results/<preset>/figures/figB_3.csv`.

# %%
import matplotlib.pyplot as plt
import numpy as np

from lop.plots import ARCH_TITLES, FigureDataError, load_table, require, save_figure, script_io, setup_style

NORMS = ["none", "batch", "layer"]
NORM_LABEL = {"none": "none", "batch": "BN", "layer": "LN"}
ROLES = ["symptom", "duplicate", "accuracy"]

table_path, pdf_path = script_io(globals(), "figB_3")
df, meta = load_table(table_path)
require(df, "arch", ["mlp", "cnn", "resnet", "vit"])
require(df, "norm", NORMS)
require(df, "role", ROLES)
drops = sorted(df["dropout"].unique())
if len(drops) != 2 or drops[0] != 0:
    raise FigureDataError(f"figB_3 needs dropout 0 and one dropout p > 0; table has {drops}")
archs = [a for a in ARCH_TITLES if a in set(df["arch"])]
for arch in archs:  # every (norm, dropout) cell of every arch must be there
    cells = set(zip(df.loc[df["arch"] == arch, "norm"], df.loc[df["arch"] == arch, "dropout"]))
    missing = [(n, p) for n in NORMS for p in drops if (n, p) not in cells]
    if missing:
        raise FigureDataError(f"figB_3: {arch} lacks (norm, dropout) = {missing}; rerun the table rule")


def row_label(role: str, arch: str) -> str:
    if role == "symptom":
        return "saturated fraction" if arch == "vit" else "dead fraction"
    return {"duplicate": "duplicate fraction", "accuracy": "mean online accuracy"}[role]


# %%
setup_style()
fig, axes = plt.subplots(len(ROLES), len(archs), figsize=(3.0 * len(archs), 2.2 * len(ROLES)), squeeze=False)
x = np.arange(len(NORMS))
width = 0.38
for j, arch in enumerate(archs):
    for i, role in enumerate(ROLES):
        ax = axes[i][j]
        d = df[(df["arch"] == arch) & (df["role"] == role)]
        for k, p in enumerate(drops):
            cell = d[d["dropout"] == p].set_index("norm").reindex(NORMS)
            ax.bar(x + (k - 0.5) * width, cell["mean"], width, yerr=cell["std"], capsize=2,
                   color=f"C{k}", label=f"dropout {p:g}")
        ax.set_xticks(x, [NORM_LABEL[n] for n in NORMS])
        ax.set_ylabel(row_label(role, arch))
        if role != "accuracy":
            ax.set_ylim(0, max(0.05, float((d["mean"] + d["std"]).max()) * 1.15))
        if i == 0:
            ax.set_title(ARCH_TITLES[arch])
axes[0][0].legend(frameon=False, fontsize=7)
n_seeds = int(df["n_seeds"].max())
fig.suptitle(f"Figure B.3 (preset {meta.get('preset')}, {n_seeds} seeds, error bars = std over seeds)", y=1.01)
fig.tight_layout()
save_figure(fig, pdf_path, meta, "Figure B.3")
