"""Shared figure style and helpers for the jupytext figure scripts in workflow/figures/.

Figures are drawn only from figure tables (results/<preset>/figures/<fig>.csv); the PDF carries the
preset, config hash and commit of the table it was drawn from in its metadata.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from ..provenance import atomic_path  # noqa: E402

# "ResNet", not "ResNet-18": the CPU tiers run the ResNet-18 layout with one block per stage ([1, 1, 1, 1]),
# the paper preset the [2, 2, 2, 2] of ResNet-18 (config `models.resnet.blocks`).
ARCH_TITLES = {"mlp": "MLP", "cnn": "CNN", "resnet": "ResNet", "vit": "ViT"}


class FigureDataError(ValueError):
    """A figure table lacks something the figure needs."""


def setup_style():
    sns.set_theme(context="paper", style="whitegrid", font_scale=0.9)
    plt.rcParams.update({"figure.dpi": 120, "pdf.fonttype": 42, "axes.titleweight": "bold"})


def load_table(path) -> tuple[pd.DataFrame, dict]:
    """Read a figure table and its provenance sidecar (`<table>.json`)."""
    path = Path(path)
    df = pd.read_csv(path)
    meta_path = path.with_suffix(".json")
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    return df, meta


def require(df: pd.DataFrame, column: str, expected) -> None:
    """Fail loudly when a figure table is missing rows the figure is supposed to show."""
    if column not in df.columns:
        raise FigureDataError(f"figure table has no column {column!r}; columns are {list(df.columns)}")
    missing = sorted(set(map(str, expected)) - set(map(str, df[column].unique())))
    if missing:
        raise FigureDataError(f"figure table lacks {column} = {missing}; rerun the table rule "
                              f"(present: {sorted(map(str, df[column].unique()))})")


FRACTION = (0.0, 1.0)  # dead / duplicate / saturated fractions and accuracies


def bounds_of(metric: str) -> tuple:
    """The range a quantity can take, (low, high) with None for unbounded: fractions and accuracies lie in
    [0, 1], R^2 is at most 1, losses, ranks and 1 - R^2 are at least 0."""
    if metric.endswith("fraction") or metric.endswith("accuracy") or metric in ("accuracy", "dead", "duplicate"):
        return FRACTION
    if metric.startswith("r2_"):
        return (None, 1.0)
    return (0.0, None)


def seed_columns(d: pd.DataFrame) -> pd.DataFrame:
    """The table's per-seed values (`seed<k>` columns, lop.figtables.runs.over_seeds)."""
    return d[[c for c in d.columns if re.fullmatch(r"seed\d+", str(c))]]


def band(ax, x, mean, std, label=None, color=None, linestyle="-", alpha=0.2, bounds=None, seeds=None):
    """Mean line with a +-1 std band (the paper's stated convention). A bounded quantity (`bounds`, e.g.
    FRACTION) keeps its band inside its range, and with `seeds` (seed_columns of the same rows) every
    seed's own curve is drawn thin under the mean: where seeds disagree (two of five collapse, three do
    not) the mean +- std alone would leave the range and hide the split."""
    line, = ax.plot(x, mean, label=label, color=color, linestyle=linestyle, lw=1.4)
    lo, hi = mean - std, mean + std
    if bounds is not None:
        lo, hi = lo.clip(bounds[0], bounds[1]), hi.clip(bounds[0], bounds[1])
    ax.fill_between(x, lo, hi, color=line.get_color(), alpha=alpha, lw=0)
    if seeds is not None:
        for col in seeds.columns:
            ax.plot(x, seeds[col], color=line.get_color(), linestyle=linestyle, lw=0.5, alpha=0.45)
    return line


def save_figure(fig, path, meta: dict, title: str) -> None:
    """Atomically write a PDF whose metadata records preset, config hash and commit."""
    keywords = f"preset={meta.get('preset')}; config_hash={meta.get('config_hash')}; commit={meta.get('commit')}"
    fig.text(0.995, 0.002, keywords, ha="right", va="bottom", fontsize=5, color="0.5")
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="pdf", bbox_inches="tight",
                    metadata={"Title": title, "Subject": keywords, "Keywords": keywords, "Creator": "lop"})
    plt.close(fig)


def script_io(globals_: dict, default_fig: str):
    """(table_path, pdf_path) from Snakemake's `snakemake` object, else from the command line
    (`python workflow/figures/<fig>.py --table T.csv --out F.pdf`, used by the tests), else defaults
    for interactive use."""
    smk = globals_.get("snakemake")
    if smk is not None:
        return Path(smk.input.table), Path(smk.output[0])
    import argparse
    import glob
    import sys

    parser = argparse.ArgumentParser(description=f"draw {default_fig} from its figure table")
    parser.add_argument("--table", help="figure table (csv with its .json sidecar)")
    parser.add_argument("--out", help=f"output PDF (default figures/{default_fig}.pdf)")
    args, _ = parser.parse_known_args(sys.argv[1:])  # known only: a Jupyter kernel passes its own args
    if args.table:
        return Path(args.table), Path(args.out or f"figures/{default_fig}.pdf")

    tables = sorted(glob.glob(f"results/*/figures/{default_fig}.csv"))
    if not tables:
        raise FileNotFoundError(f"no results/*/figures/{default_fig}.csv; run `snakemake -c2 figures/{default_fig}.pdf`")
    return Path(tables[0]), Path(f"figures/{default_fig}.pdf")
