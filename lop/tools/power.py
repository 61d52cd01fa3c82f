"""Seeds needed to decide a trend claim: a power analysis from measured seed spreads (docs/power_analysis.md).

A trend claim ("accuracy falls from the first to the last quarter of tasks") is decided by a one-sided
one-sample t-test on the per-seed changes d_1..d_n (last-quarter mean minus first-quarter mean) at level
`alpha`. With effect size delta = mean(d) / sd(d), the test's power with n seeds is
P(T > t_{1-alpha, n-1}) for T noncentral t with n - 1 degrees of freedom and noncentrality delta sqrt(n);
`seeds_needed` is the smallest n with power >= `power`.

    python -m lop.tools.power --table results/cpu/figures/fig3_1.csv        # per-seed changes of a figure table
    python -m lop.tools.power --references paper_checks/references/small    # spreads of the committed references

A figure table has one column per seed (seed0, seed1, ...), so the per-seed changes are measured directly.
A reference file holds only first/last-quarter means and their sd over seeds: the change's sd is taken as
sqrt(sd_first^2 + sd_last^2) (independent quarters; correlated seeds make it smaller, so this errs towards
more seeds), and an sd from 2 seeds is itself uncertain by a factor of ~2.
"""
from __future__ import annotations

import argparse
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd


def power(delta: float, n: int, alpha: float = 0.05) -> float:
    """Power of the one-sided one-sample t-test with n observations at standardised effect `delta`."""
    from scipy import stats

    if n < 2:
        return 0.0
    return float(stats.nct.sf(stats.t.ppf(1 - alpha, n - 1), n - 1, abs(delta) * math.sqrt(n)))


def seeds_needed(delta: float, alpha: float = 0.05, target: float = 0.8, n_max: int = 200) -> int | None:
    """Smallest n >= 2 with power >= target, or None above n_max (or for no effect)."""
    if not np.isfinite(delta) or delta == 0:
        return None
    for n in range(2, n_max + 1):
        if power(delta, n, alpha) >= target:
            return n
    return None


def one_sided_p(d: np.ndarray) -> float:
    """p-value of H1: mean(d) > 0 (one-sided one-sample t-test)."""
    from scipy import stats

    return float(stats.ttest_1samp(d, 0.0, alternative="greater").pvalue)


def table_changes(path) -> pd.DataFrame:
    """Per series of a figure table: per-seed last-quarter minus first-quarter change of the step range."""
    t = pd.read_csv(path)
    seeds = sorted((c for c in t.columns if re.fullmatch(r"seed\d+", c)), key=lambda c: int(c[4:]))
    if not seeds or "step" not in t.columns:
        raise SystemExit(f"{path}: needs a `step` column and per-seed columns seed0, seed1, ...")
    keys = [c for c in ("arch", "variant", "role", "layer", "metric") if c in t.columns]
    rows = []
    for key, g in t.groupby(keys, sort=True):
        lo, hi = g["step"].min(), g["step"].max()
        q = (hi - lo) / 4
        first = g[g["step"] <= lo + q][seeds].mean()
        last = g[g["step"] >= hi - q][seeds].mean()
        d = (last - first).to_numpy(dtype=float)
        d = d[np.isfinite(d)]
        sd = d.std(ddof=1) if len(d) > 1 else float("nan")
        rows.append({**dict(zip(keys, key)), "n": len(d), "first": float(first.mean()), "last": float(last.mean()),
                     "change": float(d.mean()), "sd": sd, "delta": d.mean() / sd if sd > 0 else float("inf"),
                     "p_fall": one_sided_p(-d), "p_rise": one_sided_p(d)})
    out = pd.DataFrame(rows)
    out["seeds_needed"] = [seeds_needed(x) for x in out["delta"]]
    return out


def reference_changes(folder) -> pd.DataFrame:
    """Per series of every reference file: first/last-quarter change, its sd bound and the seeds needed."""
    rows = []
    for f in sorted(Path(folder).glob("*.csv")):
        r = pd.read_csv(f)
        r = r[r["value"] == "mean"] if "value" in r.columns else r
        wide = r.pivot_table(index="series", columns="stat", values=["ref", "sd"], aggfunc="first")
        if ("ref", "first") not in wide.columns or ("ref", "last") not in wide.columns:
            continue
        for series, w in wide.iterrows():
            change = w[("ref", "last")] - w[("ref", "first")]
            sd = math.hypot(w[("sd", "first")], w[("sd", "last")])
            delta = change / sd if sd > 0 else (float("inf") if change else 0.0)
            rows.append({"figure": f.stem, "series": series, "change": change, "sd": sd, "delta": delta})
    out = pd.DataFrame(rows)
    out["seeds_needed"] = [seeds_needed(x) for x in out["delta"]]
    return out


def family(fig: str) -> str:
    if fig in ("figB_1", "figB_2"):
        return "bitflip"
    if fig in ("fig3_1", "fig3_2", "fig4_1", "figB_3", "figB_4", "figB_5", "figB_6"):
        return "continual"
    return "cloning"


def summarise(ref: pd.DataFrame) -> pd.DataFrame:
    """Per family: how many series a given number of seeds decides (80% power, one-sided 5%)."""
    ref = ref.assign(family=ref["figure"].map(family))
    rows = []
    for fam, g in ref.groupby("family"):
        need = g["seeds_needed"]
        row = {"family": fam, "series": len(g), "no_change": int(need.isna().sum())}
        for n in (3, 5, 8, 10, 20):
            row[f"decided_at_{n}"] = float((need <= n).sum() / len(g))
        row["median_needed"] = float(need.dropna().median())
        rows.append(row)
    return pd.DataFrame(rows)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m lop.tools.power", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--table", action="append", default=[], help="a figure table with per-seed columns")
    ap.add_argument("--references", help="a reference folder (paper_checks/references/<preset>)")
    args = ap.parse_args(argv)
    pd.set_option("display.width", 200)
    pd.set_option("display.max_rows", 500)
    for path in args.table:
        print(f"# {path}: per-seed change last - first quarter, one-sided t-tests, seeds for 80% power")
        print(table_changes(path).to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    if args.references:
        ref = reference_changes(args.references)
        print(f"# {args.references}: share of first->last series a seed count decides (80% power, 5% one-sided)")
        print(summarise(ref).to_string(index=False, float_format=lambda x: f"{x:.2f}"))


if __name__ == "__main__":
    main()
