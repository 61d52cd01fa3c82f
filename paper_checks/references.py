"""Data-level regression of the 18 figure tables against committed reference values.

Not PDF bytes, and not every plotted point: per figure table, per series (one combination of the key
columns, e.g. arch/variant/model/metric/layer) and per value column, three aggregates are compared:
    first  mean over the first quarter of the x range (steps / samples)  - early, little chaos yet
    all    mean over all points
    last   mean over the last quarter
(tables without an x column - bar tables - have one "all" value per row). References live in
paper_checks/references/<preset>/<fig>.csv and change only through `python -m paper_checks
update-references --preset <p>` (update()).

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
  pool      P = (experiment family, value column, metric, aggregate): like series (archs, variants,
            layers, widths) of one metric in one window, over every figure of the experiment family
            (continual, cloning or bit flipping; a series that two figures share, same label, counts once);
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

import json
import math
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from lop.provenance import platform_fingerprint

from . import FIGURES

PACKAGE_DIR = Path(__file__).resolve().parent
REFERENCES_DIR = PACKAGE_DIR / "references"
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


POOL_KEYS = ["value", "metric", "stat"]


def spread_pool(references: list[pd.DataFrame]) -> pd.DataFrame:
    """Pooled seed sd and its degrees of freedom per (value, metric, stat) over reference summaries: the
    series of one experiment family's figures (series that two figures share are counted once)."""
    ref = pd.concat(references, ignore_index=True)
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
    ref = ref.copy()
    ref["metric"] = ref["metric"].fillna("")
    pool = spread_pool([ref]) if pool is None else pool
    ref = ref.merge(pool, on=POOL_KEYS, how="left")
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


def platforms(meta: dict) -> list[dict]:
    """The platforms a reference was made or reproduced on (older references record one `platform`)."""
    return list(meta.get("platforms") or ([meta["platform"]] if meta.get("platform") else []))


def _exact_failures(merged: pd.DataFrame, fig: str) -> list[str]:
    out = []
    for _, r in merged.iterrows():
        a, b = r["ref"], r["new"]
        if (math.isnan(a) and math.isnan(b)) or abs(b - a) <= EXACT_RTOL * max(1.0, abs(a)):
            continue
        out.append(f"{fig} [{r['series']}] {r['value']}/{r['stat']}: {b!r} vs reference {a!r} (same platform: must be "
                   f"identical within {EXACT_RTOL:g})")
    return out


CONSISTENCY_RTOL = 1e-9


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


def tier(ref_json: Path) -> str:
    """'exact' when this platform is one the reference was made or reproduced on, else 'statistical'."""
    try:
        meta = json.loads(Path(ref_json).read_text())
    except (OSError, ValueError):
        return "statistical"
    return "exact" if platform_fingerprint() in platforms(meta) else "statistical"


def margins(results_dir, references_dir) -> pd.DataFrame:
    """Every aggregate checked one by one in the statistical tier, with its change, its tolerance and the
    fraction of the tolerance used (`used`; a failure is > 1), largest first: how close a build on this
    platform comes to failing (`python -m paper_checks compare --margins N`)."""
    from lop.figures import FIGURES as REGISTRY

    results_dir, references_dir = Path(results_dir), Path(references_dir)
    refs = {f: pd.read_csv(references_dir / f"{f}.csv") for f in FIGURES
            if (references_dir / f"{f}.csv").exists() and (results_dir / "figures" / f"{f}.csv").exists()}
    pools = {fam: spread_pool([r for f, r in refs.items() if REGISTRY[f].family == fam])
             for fam in {REGISTRY[f].family for f in refs}}
    rows = []
    for fig, reference in refs.items():
        new = summarize(pd.read_csv(results_dir / "figures" / f"{fig}.csv"))
        m = pooled_spread(reference, pools[REGISTRY[fig].family]).merge(
            new[["series", "value", "stat", "ref"]].rename(columns={"ref": "new"}), on=["series", "value", "stat"])
        m = m[m["stat"].isin(CHECKED_ONE_BY_ONE)].assign(figure=fig)
        m["tol"] = [tolerance(a, s, int(n), d) for a, s, n, d in zip(m["ref"], m["sd_eff"], m["n"], m["df_pool"])]
        rows.append(m)
    out = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["figure", "ref", "new", "tol"])
    out["used"] = (out["new"] - out["ref"]).abs() / out["tol"]
    return out.sort_values("used", ascending=False)[["figure", "series", "value", "stat", "ref", "new", "sd", "sd_eff",
                                                     "df_pool", "tol", "used"]]


def compare(results_dir, references_dir, tiers: dict | None = None, force: str | None = None) -> list[str]:
    """Every figure table under results_dir/figures vs references_dir/<fig>.csv; returns the failures.
    `tiers`, if given, is filled with {fig: 'exact' | 'statistical'} (see the module docstring); `force`
    ('exact' or 'statistical') applies one tier whatever the platform.

    A reference without a table, or a table without a reference, is a failure too (CI must cover all 18).
    """
    from lop.figures import FIGURES as REGISTRY

    results_dir, references_dir = Path(results_dir), Path(references_dir)
    refs = {fig: pd.read_csv(references_dir / f"{fig}.csv") for fig in FIGURES
            if (references_dir / f"{fig}.csv").exists()}
    families = {REGISTRY[fig].family for fig in refs}
    pools = {fam: spread_pool([r for f, r in refs.items() if REGISTRY[f].family == fam]) for fam in families}
    failures = []
    for fig in FIGURES:
        table_path = results_dir / "figures" / f"{fig}.csv"
        ref_path = references_dir / f"{fig}.csv"
        if not ref_path.exists():
            failures.append(f"{fig}: no reference in {references_dir} (run update-references)"
                            if table_path.exists() else f"{fig}: neither table nor reference")
            continue
        if not table_path.exists():
            failures.append(f"{fig}: figure table {table_path} missing")
            continue
        how = force or tier(ref_path.with_suffix(".json"))
        if tiers is not None:
            tiers[fig] = how
        failures += compare_tables(refs[fig], pd.read_csv(table_path), fig, exact=how == "exact",
                                   pool=pools[REGISTRY[fig].family])
    return failures


def update(results_dir, references_dir, figures=None, command: str | None = None) -> list[str]:
    """Write the references of `figures` (default: every figure whose table exists); returns those written.
    Each .json records the commit, the preset's resolved parameters, the command and the platform."""
    from lop.provenance import write_json_atomic, write_table_atomic

    results_dir, references_dir = Path(results_dir), Path(references_dir)
    preset = results_dir.name
    try:
        from lop.config import resolve_config

        parameters = resolve_config(preset=preset)
    except Exception as e:  # a results folder of an unknown preset (tests): say so rather than guess
        parameters = {"unresolved": f"{type(e).__name__}: {e}"}
    written = []
    for fig in figures or FIGURES:
        table_path = results_dir / "figures" / f"{fig}.csv"
        if not table_path.exists():
            if figures:
                raise FileNotFoundError(f"{table_path} does not exist: build it before updating its reference")
            continue
        write_table_atomic(summarize(pd.read_csv(table_path)), references_dir / f"{fig}.csv")
        sidecar = table_path.with_suffix(".json")
        meta = json.loads(sidecar.read_text()) if sidecar.exists() else {}
        write_json_atomic(references_dir / f"{fig}.json", {
            "figure": fig, "from": str(table_path), "table_commit": meta.get("commit"),
            "commit": _head_commit(), "table_config_hash": meta.get("config_hash"), "preset": meta.get("preset", preset),
            "command": command or f"python -m paper_checks update-references --preset {preset}",
            "parameters": parameters, "platforms": [platform_fingerprint()],
            "tolerance": {"atol": ATOL, "rtol": RTOL, "alpha_series": ALPHA_SERIES, "alpha_family": ALPHA_FAMILY,
                          "shift_min_members": SHIFT_MIN_MEMBERS, "shift_min_z": SHIFT_MIN_Z,
                          "exact_rtol": EXACT_RTOL}})
        written.append(fig)
    return written


def record_platform(results_dir, references_dir) -> list[str]:
    """Add this platform to every reference after its tables match them bitwise (the exact tier's test,
    whatever the tier would be); returns the failures, and records nothing unless there are none."""
    results_dir, references_dir = Path(results_dir), Path(references_dir)
    failures = []
    for fig in FIGURES:
        table_path, ref_path = results_dir / "figures" / f"{fig}.csv", references_dir / f"{fig}.csv"
        if not (table_path.exists() and ref_path.exists()):
            failures.append(f"{fig}: {'figure table' if ref_path.exists() else 'reference'} missing")
            continue
        failures += compare_tables(pd.read_csv(ref_path), pd.read_csv(table_path), fig, exact=True)
    if failures:
        return failures
    from lop.provenance import write_json_atomic

    here = platform_fingerprint()
    for fig in FIGURES:
        path = references_dir / f"{fig}.json"
        meta = json.loads(path.read_text())
        known = platforms(meta)
        if here not in known:
            meta.pop("platform", None)
            write_json_atomic(path, {**meta, "platforms": [*known, here]})
    return []


def _head_commit() -> str | None:
    import subprocess

    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=PACKAGE_DIR, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None
