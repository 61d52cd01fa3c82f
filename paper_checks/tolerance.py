"""How one figure table is compared with its reference (paper_checks/references.py runs it for all 18).

Per series (one combination of the key columns, e.g. arch/variant/model/metric/layer) and value column,
three aggregates are compared:
    first  mean over the first quarter of the x range (steps / samples)  - early, little chaos yet
    all    mean over all points
    last   mean over the last quarter
(tables without an x column - bar tables - have one "all" value per row). Each table's `mean` and `std`
(and a wide table's value columns) must also be the mean and sample std of their own seed columns.

Two tiers, chosen by the platform the reference was made on. Its .json records `platforms`: every
platform fingerprint (machine, CPU model, torch's CPU kernel level, the environment switches that change
kernels, OS, Python, numpy, torch, pandas, thread count) on which a build reproduced it bitwise, with the
commit, the preset's resolved parameters and the command that wrote it.

EXACT tier (this platform is one of the reference's). Reruns on one platform are bitwise identical, so every
aggregate (incl. `last`) must agree within EXACT_RTOL (1e-12, relative; the CSV round trip of a float64 is
exact to ~1e-16). Any change at all is reported. `python -m paper_checks record-platform` adds this
platform to the references after an exact comparison passes here.

STATISTICAL tier (any other platform). Training is chaotic: another CPU computes the same float32 step
with other kernels (other vector widths, another BLAS path), the ~1e-7 relative difference grows, and the
run becomes a different realisation with the same seeds. Such a realisation differs from the reference at
most like an independent run: the difference of two n-seed means has standard deviation sigma * sqrt(2 / n),
sigma the seed-to-seed standard deviation of that aggregate. The references hold 2 seeds, so one series'
own seed sd has 1 degree of freedom and is often far too small (two seeds that happen to agree). Hence:
  pool      P = (experiment family, network, value column, metric, aggregate): like series (variants,
            layers, optimizers, widths) of one network's metric in one window, over every figure of the
            experiment family (continual, cloning or bit flipping; a series that two figures share, same
            label, counts once). Seed spreads differ by network far more than by variant or layer;
  pooled sd s_P^2 = sum_i (n_i - 1) s_i^2 / sum_i (n_i - 1) over P's series whose seeds differ (a series
            whose seeds agree exactly - a metric pinned at 0 or 1 - carries no information on the spread),
            with df_P = sum_i (n_i - 1) degrees of freedom;
  per series sd_i = max(s_i, s_P): a series noisier than its pool keeps its own spread.
Two tests, both must pass:
(1) per aggregate (`first` and `all`):  |new - ref| <= ATOL + RTOL * |ref| + q * sd_i * sqrt(2 / n)
    with q the two-sided Student-t quantile at ALPHA_SERIES for df_P degrees of freedom (1e-4: about 800
    aggregates are checked per preset, so a healthy platform trips one with probability < 0.1). ATOL and
    RTOL absorb float rounding of an otherwise identical computation. A pool with no seed spread at all
    (df_P = 0: an exact quantity such as the R^2 of an untrained clone) is held to ATOL + RTOL.
(2) per family F = (figure, value column, metric, aggregate), incl. `last` (which drifts the most and is not
    checked one by one): no coherent shift. Standardised changes z_i = (new - ref) / (sd_i * sqrt(2 / n)) of
    F's series that moved beyond
    rounding are independent and centred on 0 under chaos, and all move one way under a changed definition.
    Fail when at least SHIFT_MIN_MEMBERS moved and a one-sample t-test of their mean against 0 rejects at
    ALPHA_SHIFT, with |mean z| >= SHIFT_MIN_Z (the shift is at least one independent realisation's
    standard deviation).
What it detects: a change of a metric's definition or threshold, of the training recipe, or of the
aggregation (a planted bug) that moves a family of series one way, or moves any single `first` / `all`
aggregate beyond what another realisation of the same seeds can do. What it cannot detect: a change smaller
than seed noise that moves only a few series, or that moves the series of a small family (fewer than
SHIFT_MIN_MEMBERS series) by less than their per-aggregate tolerance, which is wide where df_P is small.
The same-platform tier sees every change; the statistical tier is the cross-platform guarantee.
tests/paper_checks/test_cross_platform.py trains real runs under another CPU kernel path (a platform
perturbation) and shows the statistical tier passes them while each planted bug that moves figure tables
fails it.
"""
from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pandas as pd

ATOL, RTOL = 1e-4, 1e-3  # float rounding of an otherwise identical computation (CSV, summation order)
ALPHA_SERIES = 1e-4  # two-sided level of the per-aggregate test (see the module docstring)
# Aggregates checked one by one. `last` is not: after the most chaotic steps it moved by the most (a
# platform perturbation at the small preset: docs/paper_checks.md); it enters the shift test only.
CHECKED_ONE_BY_ONE = ("first", "all")
# Coherent-shift test per family (figure, value, metric, aggregate): a definition change moves the family's
# series one way, chaos moves them both ways (see the module docstring).
SHIFT_MIN_MEMBERS, SHIFT_MIN_Z = 4, 1.0
ALPHA_FAMILY = 1e-3  # level of each family test; about 170 families per preset
EXACT_RTOL = 1e-12  # same-platform tier: reruns are bitwise identical, the CSV round trip exact to ~1e-16
X_COLUMNS = ("step", "samples")
NON_KEY = {"mean", "std", "n_seeds"}
CONSISTENCY_RTOL = 1e-9


def _seed_cols(df, value: str = "mean"):
    """The per-seed columns of a value column: `seed<k>` for `mean`, `<value>_seed<k>` for the wide tables'
    value columns (B.4's scatter holds three plotted columns per point)."""
    prefix = "seed" if value == "mean" else f"{value}_seed"
    return [c for c in df.columns if c.startswith(prefix) and c[len(prefix):].isdigit()]


def _all_seed_cols(df):
    return [c for c in df.columns if re.fullmatch(r"(.+_)?seed\d+", c)]


def _layout(df: pd.DataFrame):
    """(x column or None, value columns, key columns) of a figure table."""
    x = next((c for c in X_COLUMNS if c in df.columns), None)
    seeds = set(_all_seed_cols(df))
    if "mean" in df.columns:
        values = ["mean"]
    else:  # wide tables (B.4 scatter): every float column that is not a key
        values = [c for c in df.columns if df[c].dtype.kind == "f" and c not in seeds and c != x]
    keys = [c for c in df.columns if c not in NON_KEY and c not in seeds and c != x and c not in values]
    return x, values, keys


def _series_label(row, keys) -> str:
    parts = []
    for k in keys:
        v = row[k]
        if isinstance(v, float) and math.isnan(v):
            v = ""
        elif isinstance(v, float) and v.is_integer():
            v = int(v)
        parts.append(f"{k}={v}")
    return ";".join(parts)


def summarize(df: pd.DataFrame) -> pd.DataFrame:
    """The aggregates of one figure table: columns series, value, stat, metric, ref, sd, n."""
    x, values, keys = _layout(df)
    df = df.copy()
    df["_series"] = [_series_label(r, keys) for _, r in df[keys].iterrows()] if keys else "all"
    rows = []
    for label, g in df.groupby("_series", sort=True):
        windows = {"all": g}
        if x is not None:
            g = g.sort_values(x)
            xs = g[x].to_numpy(dtype=float)
            lo, hi = xs.min(), xs.max()
            windows = {"first": g[xs <= lo + 0.25 * (hi - lo)], "all": g, "last": g[xs >= hi - 0.25 * (hi - lo)]}
        metric = str(g["metric"].iloc[0]) if "metric" in g else ""
        for value in values:
            seeds = _seed_cols(df, value)
            for stat, w in windows.items():
                ref = float(w[value].mean()) if w[value].notna().any() else float("nan")
                if seeds:
                    per_seed = w[seeds].mean(axis=0).dropna().to_numpy(dtype=float)
                    n = len(per_seed)
                    sd = float(np.std(per_seed, ddof=1)) if n > 1 else 0.0
                elif "std" in w and value == "mean":  # seed std per point (no seed columns)
                    n = int(w["n_seeds"].min()) if "n_seeds" in w else 1
                    sd = float(w["std"].fillna(0).mean())
                else:  # no seed information: the spread over the window's points
                    n = int(w["n_seeds"].min()) if "n_seeds" in w else 1
                    sd = float(w[value].std(ddof=1)) if w[value].notna().sum() > 1 else 0.0
                rows.append({"series": label, "value": value, "stat": stat, "metric": metric or value,
                             "ref": ref, "sd": sd, "n": max(n, 1)})
    return pd.DataFrame(rows)


def t_quantile(alpha: float, df: float) -> float:
    """Two-sided Student-t quantile at level alpha with df degrees of freedom (inf for df = 0)."""
    from scipy import stats

    return float(stats.t.ppf(1 - alpha / 2, df)) if df > 0 else math.inf


POOL_KEYS = ["arch", "value", "metric", "stat"]


def _with_arch(ref: pd.DataFrame) -> pd.DataFrame:
    """The series' network (its `arch=` key; "" for the bit-flip tables, which have none): seed spreads
    differ by network far more than by variant or layer, so like series are pooled per network."""
    arch = ref["series"].astype(str).str.extract(r"(?:^|;)arch=([^;]*)")[0].fillna("")
    return ref.assign(arch=arch)


def spread_pool(references: list[pd.DataFrame]) -> pd.DataFrame:
    """Pooled seed sd and its degrees of freedom per (arch, value, metric, stat) over reference summaries:
    the series of one experiment family's figures (series that two figures share are counted once)."""
    ref = _with_arch(pd.concat(references, ignore_index=True))
    ref["metric"] = ref["metric"].fillna("")
    ref = ref[(ref["sd"] > 0) & ref["sd"].notna()].drop_duplicates(["series", "value", "stat"])
    df_i = (ref["n"] - 1).clip(lower=0)
    g = ref.assign(_ss=df_i * ref["sd"] ** 2, _df=df_i).groupby(POOL_KEYS)[["_ss", "_df"]].sum()
    out = pd.DataFrame({"df_pool": g["_df"], "sd_pool": np.sqrt(g["_ss"] / g["_df"].where(g["_df"] > 0))})
    return out.reset_index()


def pooled_spread(ref: pd.DataFrame, pool: pd.DataFrame | None = None) -> pd.DataFrame:
    """The reference summary with each series' effective seed sd `sd_eff` = max(own sd, pooled sd) and the
    pool's sd and degrees of freedom (`sd_pool`, `df_pool`); the pool is this table's own families unless
    given (compare() pools an experiment family's figures). See the module docstring."""
    ref = _with_arch(ref)
    ref["metric"] = ref["metric"].fillna("")
    pool = spread_pool([ref]) if pool is None else pool
    ref = ref.merge(pool, on=POOL_KEYS, how="left").drop(columns="arch")
    ref["df_pool"] = ref["df_pool"].fillna(0)
    ref["sd_eff"] = np.fmax(ref["sd"].fillna(0), ref["sd_pool"].fillna(0))
    return ref


def tolerance(ref: float, sd_eff: float, n: int, df_pool: float) -> float:
    """Largest |new - ref| of one aggregate that another realisation of the same seeds may produce."""
    chaos = 0.0 if df_pool <= 0 else t_quantile(ALPHA_SERIES, df_pool) * sd_eff * math.sqrt(2.0 / max(n, 1))
    return ATOL + RTOL * abs(ref) + chaos


def _family_failures(m: pd.DataFrame, fig: str) -> list[str]:
    """Per family F: a coherent shift (a t-test of the mean standardised change of the series that moved) or
    a dispersion beyond what another realisation can do (an F test of the mean squared standardised change
    against the pool's degrees of freedom); see the module docstring."""
    from scipy import stats

    out = []
    for (value, metric, stat), g in m.groupby(["value", "metric", "stat"]):
        g = g[g["sd_eff"] > 0]
        d = g["new"] - g["ref"]
        z_all = (d / (g["sd_eff"] * np.sqrt(2.0 / g["n"].clip(lower=1)))).to_numpy(float)
        where = f"{fig} [{metric}] {value}/{stat}"
        k_all, df_pool = len(z_all), float(g["df_pool"].min()) if len(g) else 0.0
        if k_all and df_pool > 0:
            ms = float(np.mean(z_all ** 2))
            p = float(stats.f.sf(ms, k_all, df_pool))
            if p < ALPHA_FAMILY:
                out.append(f"{where}: {k_all} series moved by {math.sqrt(ms):.2g} sd of a rerun (root mean square), "
                           f"more than another realisation of the same seeds does (F test p = {p:.2g})")
                continue
        moved = (d.abs() > ATOL + RTOL * g["ref"].abs()).to_numpy()
        z, k = z_all[moved], int(moved.sum())
        if k < SHIFT_MIN_MEMBERS:
            continue
        mean_z, sd_z = float(z.mean()), float(z.std(ddof=1))
        p = float(2 * stats.t.sf(abs(mean_z) / (sd_z / math.sqrt(k)), k - 1)) if sd_z > 0 else 0.0
        if p < ALPHA_FAMILY and abs(mean_z) >= SHIFT_MIN_Z:
            out.append(f"{where}: systematic shift, {k} series moved {'up' if mean_z > 0 else 'down'} "
                       f"(mean {mean_z:+.2g} sd of a rerun, t-test p = {p:.2g})")
    return out


def _exact_failures(merged: pd.DataFrame, fig: str) -> list[str]:
    out = []
    for _, r in merged.iterrows():
        a, b = r["ref"], r["new"]
        if (math.isnan(a) and math.isnan(b)) or abs(b - a) <= EXACT_RTOL * max(1.0, abs(a)):
            continue
        out.append(f"{fig} [{r['series']}] {r['value']}/{r['stat']}: {b!r} vs reference {a!r} (same platform: must be "
                   f"identical within {EXACT_RTOL:g})")
    return out


def _consistency_failures(table: pd.DataFrame, fig: str) -> list[str]:
    """A table's `mean` and `std` must be the mean and sample std (ddof 1) of its own seed columns: exact
    arithmetic on any platform, so a changed summary (ddof, a dropped seed) fails in both tiers."""
    expect = {}
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows (a diverged window) stay NaN
        for value in ["mean"] + [c for c in table.columns if c != "mean" and _seed_cols(table, c)]:
            seeds = _seed_cols(table, value)
            if not seeds or value not in table:
                continue
            vals = table[seeds].to_numpy(dtype=float)
            expect[value] = np.nanmean(vals, axis=1)
            if value == "mean" and "std" in table:
                n = np.sum(~np.isnan(vals), axis=1)
                expect["std"] = np.where(n > 1, np.nanstd(vals, axis=1, ddof=1) if vals.shape[1] > 1 else 0.0, 0.0)
    out = []
    for col, want in expect.items():
        if col not in table:
            continue
        have = table[col].to_numpy(dtype=float)
        bad = ~(np.isclose(have, want, rtol=CONSISTENCY_RTOL, atol=1e-12) | (np.isnan(have) & np.isnan(want)))
        if bad.any():
            i = int(np.argmax(bad))
            out.append(f"{fig}: column `{col}` is not the {'sample std (ddof 1)' if col == 'std' else 'mean'} of its "
                       f"seed columns in {int(bad.sum())} rows (row {i}: {have[i]!r} vs {want[i]!r})")
    return out


def compare_tables(reference: pd.DataFrame, table: pd.DataFrame, fig: str, exact: bool = False,
                   pool: pd.DataFrame | None = None) -> list[str]:
    """Failures of one figure table against its reference summary (empty list = within tolerance).
    exact: the same-platform tier (every aggregate identical within EXACT_RTOL), else the statistical tier."""
    new = summarize(table)
    ref = pooled_spread(reference, pool)
    idx = ["series", "value", "stat"]
    merged = ref.merge(new[idx + ["ref"]].rename(columns={"ref": "new"}), on=idx, how="outer", indicator=True)
    merged["metric"] = merged["metric"].fillna("")
    both = merged[merged["_merge"] == "both"]
    failures = _consistency_failures(table, fig)
    failures += _exact_failures(both, fig) if exact else _family_failures(both, fig)
    for _, r in merged.iterrows():
        where = f"{fig} [{r['series']}] {r['value']}/{r['stat']}"
        if r["_merge"] == "left_only":
            failures.append(f"{where}: series missing from the new table")
        elif r["_merge"] == "right_only":
            failures.append(f"{where}: series not in the reference (intended? run update-references)")
        else:
            a, b = r["ref"], r["new"]
            if math.isnan(a) and math.isnan(b):
                continue
            if math.isnan(a) != math.isnan(b):
                failures.append(f"{where}: {b:.6g} vs reference {a:.6g} (NaN on one side)")
                continue
            if exact or r["stat"] not in CHECKED_ONE_BY_ONE:
                continue
            tol = tolerance(a, r["sd_eff"], int(r["n"]), r["df_pool"])
            if abs(b - a) > tol:
                failures.append(f"{where}: {b:.6g} vs reference {a:.6g} (|diff| {abs(b - a):.3g} > tol {tol:.3g})")
    return failures
