"""Comparators: one check of a claim -> (verdict, measured value).

Every comparator reads its evidence through the checker's context (`ctx.table(name)`, `ctx.tests`,
`ctx.config(preset)`) and returns an Outcome. Missing evidence raises EvidenceMissing -> "not run".

Noise rule for data claims (trend, greater, monotone): a statistic S with a noise band N = z * se, se the
standard error over seeds (from the table's per-seed columns `seed<k>` when present, else its `std`
column), is tested against the claim's threshold t (min_change / margin):
    supported     S >= t and S > N        (the effect is there and not explained by seed noise)
    contradicted  S + N < t               (even the upper end of the band misses the threshold)
    inconclusive  otherwise               (the band straddles the threshold)
Two seeds at the small preset give a wide band, which is the honest answer.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from . import CONTRADICTED, INCONCLUSIVE, NOT_RUN, SUPPORTED
from .comparators_code import config, pytest_nodes, source_constant
from .outcome import EvidenceMissing, Outcome


X_COLUMNS = ("step", "samples")


def _fmt(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "nan"
    v = float(v)
    if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e4):
        return f"{v:.3g}"
    return f"{v:.4g}"


def _where_text(where) -> str:
    return ", ".join(f"{k}={v}" for k, v in (where or {}).items())


def select(df: pd.DataFrame, where: dict | None, name: str) -> pd.DataFrame:
    for col in (where or {}):
        if col not in df.columns:
            raise EvidenceMissing(f"{name} has no column {col!r} (columns: {list(df.columns)})")
    mask = np.ones(len(df), dtype=bool)
    for col, val in (where or {}).items():
        vals = val if isinstance(val, list) else [val]
        if df[col].dtype == object:
            mask &= df[col].astype(str).isin([str(v) for v in vals]).to_numpy()
        else:
            mask &= df[col].isin(vals).to_numpy()
    out = df[mask]
    if out.empty:
        raise EvidenceMissing(f"{name} has no rows with {_where_text(where)}")
    return out


def seed_columns(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if c.startswith("seed") and c[4:].isdigit()]


def _x_column(df):
    return next((c for c in X_COLUMNS if c in df.columns), None)


def _bound(b, df):
    """A range bound: a number, or the name of a column holding one value (e.g. switch_step)."""
    if isinstance(b, str):
        return float(df[b].iloc[0])
    return float(b)


def _window_rows(df: pd.DataFrame, window: str, x_range=None) -> pd.DataFrame:
    """The rows of one series (sorted by x) inside `window` of its x range."""
    x = _x_column(df)
    if x is None:
        return df
    df = df.sort_values(x)
    if x_range is not None:
        lo, hi = _bound(x_range[0], df), _bound(x_range[1], df)
        df = df[(df[x] > lo) & (df[x] <= hi)]
    if df.empty:
        raise EvidenceMissing(f"no points in x range {x_range}")
    xs = df[x].to_numpy(dtype=float)
    lo, hi = xs.min(), xs.max()
    if window == "all":
        return df
    if window == "first_quarter":
        return df[xs <= lo + 0.25 * (hi - lo)]
    if window == "last_quarter":
        return df[xs >= hi - 0.25 * (hi - lo)]
    if window == "last":
        return df[xs == hi]
    if window == "first":
        return df[xs == lo]
    raise ValueError(f"unknown window {window!r}")


def series_stat(df: pd.DataFrame, value: str, window: str, x_range=None):
    """(mean over seeds, per-seed values or None, sd estimate, n) of the window mean of one series."""
    rows = _window_rows(df, window, x_range)
    seeds = seed_columns(rows) if value == "mean" else []
    if seeds:
        per_seed = rows[seeds].mean(axis=0).to_numpy(dtype=float)
        per_seed = per_seed[~np.isnan(per_seed)]
        sd = float(np.std(per_seed, ddof=1)) if len(per_seed) > 1 else 0.0
        return float(per_seed.mean()), per_seed, sd, len(per_seed)
    v = float(rows[value].mean())
    sd = float(rows["std"].fillna(0).mean()) if ("std" in rows and value == "mean") else 0.0
    n = int(rows["n_seeds"].min()) if "n_seeds" in rows else 1
    return v, None, sd, max(n, 1)


def decide(stat: float, noise: float, threshold: float) -> str:
    if math.isnan(stat):
        return INCONCLUSIVE
    if stat >= threshold and stat > noise:
        return SUPPORTED
    if stat + noise < threshold:
        return CONTRADICTED
    return INCONCLUSIVE


def _se(sd, n):
    return sd / math.sqrt(n) if n > 1 else sd


# ---- data comparators ---------------------------------------------------------------------------------

def trend(ctx, c):
    """Last-quarter mean minus first-quarter mean of a series; direction up (rises) or down (falls)."""
    df = select(ctx.table(c["table"]), c.get("where"), c["table"])
    value, sign = c.get("value", "mean"), (1 if c.get("direction", "up") == "up" else -1)
    first = series_stat(df, value, "first_quarter", c.get("x_range"))
    last = series_stat(df, value, "last_quarter", c.get("x_range"))
    if first[1] is not None and last[1] is not None and len(first[1]) == len(last[1]):
        d = sign * (last[1] - first[1])
        change, sd, n = float(d.mean()), (float(np.std(d, ddof=1)) if len(d) > 1 else 0.0), len(d)
    else:
        change, sd, n = sign * (last[0] - first[0]), math.hypot(first[2], last[2]), min(first[3], last[3])
    noise = c.get("z", 2.0) * _se(sd, n)
    verdict = decide(change, noise, c.get("min_change", 0.0))
    word = "rise" if sign > 0 else "fall"
    measured = (f"{_fmt(first[0])} -> {_fmt(last[0])} (first vs last quarter; {word} {_fmt(change)} "
                f"+- {_fmt(noise)}, need >= {_fmt(c.get('min_change', 0.0))})")
    return Outcome(verdict, measured, f"{c['table']} [{_where_text(c.get('where'))}] {value}")


def greater(ctx, c):
    """Series A exceeds series B (window mean), by at least `margin`; A/B = where + where_a / where_b."""
    base = c.get("where", {})
    ta, tb = c["table"], c.get("table_b", c["table"])
    a = select(ctx.table(ta), {**base, **c.get("where_a", {})}, ta)
    b = select(ctx.table(tb), {**base, **c.get("where_b", {})}, tb)
    value, window = c.get("value", "mean"), c.get("window", "all")
    sa = series_stat(a, value, window, c.get("x_range_a", c.get("x_range")))
    sb = series_stat(b, value, window, c.get("x_range_b", c.get("x_range")))
    if sa[1] is not None and sb[1] is not None and len(sa[1]) == len(sb[1]):
        d = sa[1] - sb[1]  # paired by seed: same seeds (init, data order) in both variants
        diff, sd, n = float(d.mean()), (float(np.std(d, ddof=1)) if len(d) > 1 else 0.0), len(d)
    else:
        diff, sd, n = sa[0] - sb[0], math.hypot(sa[2], sb[2]), min(sa[3], sb[3])
    noise = c.get("z", 2.0) * _se(sd, n)
    margin = c.get("margin", 0.0)
    verdict = decide(diff, noise, margin)
    la, lb = c.get("label_a", _where_text(c.get("where_a"))), c.get("label_b", _where_text(c.get("where_b")))
    measured = f"{la}: {_fmt(sa[0])} vs {lb}: {_fmt(sb[0])} ({window}; diff {_fmt(diff)} +- {_fmt(noise)})"
    return Outcome(verdict, measured, f"{ta} [{_where_text(base)}] {value}")


def close(ctx, c):
    """Series A and B agree within rtol (window means): |A - B| <= rtol * |B|."""
    base = c.get("where", {})
    a = select(ctx.table(c["table"]), {**base, **c.get("where_a", {})}, c["table"])
    b = select(ctx.table(c["table"]), {**base, **c.get("where_b", {})}, c["table"])
    window = c.get("window", "all")
    va = series_stat(a, c.get("value", "mean"), window)[0]
    vb = series_stat(b, c.get("value", "mean"), window)[0]
    rel = abs(va - vb) / max(abs(vb), 1e-300)
    verdict = SUPPORTED if rel <= c["rtol"] else CONTRADICTED
    la, lb = c.get("label_a", _where_text(c.get("where_a"))), c.get("label_b", _where_text(c.get("where_b")))
    return Outcome(verdict, f"{la}: {_fmt(va)} vs {lb}: {_fmt(vb)} ({window}; relative difference {_fmt(rel)}, "
                            f"need <= {_fmt(c['rtol'])})", f"{c['table']} [{_where_text(base)}]")


def bound(ctx, c):
    """A statistic of a series (max | min | last | mean | first, of the seed mean) vs at_most / at_least."""
    df = select(ctx.table(c["table"]), c.get("where"), c["table"])
    value, stat = c.get("value", "mean"), c.get("stat", "max")
    x = _x_column(df)
    if c.get("x_range") is not None:
        df = _window_rows(df, "all", c["x_range"])
    if x is not None:
        df = df.sort_values(x)
    vals = df[value].to_numpy(dtype=float)
    s = {"max": np.nanmax, "min": np.nanmin, "mean": np.nanmean,
         "last": lambda v: v[-1], "first": lambda v: v[0]}[stat](vals)
    ok = True
    parts = []
    if "at_most" in c:
        ok &= bool(s <= c["at_most"])
        parts.append(f"<= {_fmt(c['at_most'])}")
    if "at_least" in c:
        ok &= bool(s >= c["at_least"])
        parts.append(f">= {_fmt(c['at_least'])}")
    return Outcome(SUPPORTED if ok else CONTRADICTED, f"{stat} {_fmt(s)} (need {' and '.join(parts)})",
                   f"{c['table']} [{_where_text(c.get('where'))}] {value}")


def monotone(ctx, c):
    """Values ordered by `key` (ascending) move in `direction`: every step within -tol, total >= min_change."""
    df = select(ctx.table(c["table"]), c.get("where"), c["table"])
    value, window, key = c.get("value", "mean"), c.get("window", "all"), c["key"]
    sign = 1 if c.get("direction", "up") == "up" else -1
    keys = sorted(df[key].dropna().unique())
    stats = [series_stat(df[df[key] == k], value, window, c.get("x_range")) for k in keys]
    vals = np.array([s[0] for s in stats]) * sign
    if len(vals) < 2:
        raise EvidenceMissing(f"{c['table']}: fewer than two values of {key} with {_where_text(c.get('where'))}")
    sd = max(s[2] for s in stats)
    n = min(s[3] for s in stats)
    noise = c.get("z", 2.0) * _se(sd, n) * math.sqrt(2)
    tol = c.get("tol", 0.0) + noise
    total = float(vals[-1] - vals[0])
    steps_ok = bool(np.all(np.diff(vals) >= -tol))
    verdict = decide(total, noise, c.get("min_change", 0.0))
    if verdict == SUPPORTED and not steps_ok:
        verdict = INCONCLUSIVE
    shown = ", ".join(f"{key}={k}: {_fmt(s[0])}" for k, s in zip(keys, stats))
    return Outcome(verdict, f"{shown} ({window}; total {'rise' if sign > 0 else 'fall'} {_fmt(total)} +- {_fmt(noise)})",
                   f"{c['table']} [{_where_text(c.get('where'))}] {value} by {key}")


def values_close(ctx, c):
    """Printed numbers `expected` {key value: number} vs the table's `columns` (any may match) within atol."""
    df = select(ctx.table(c["table"]), c.get("where"), c["table"])
    key, cols, atol = c["key"], c.get("columns") or [c["column"]], float(c["atol"])
    bad, shown = [], []
    for k, expected in c["expected"].items():
        rows = df[np.isclose(df[key].astype(float), float(k))] if not isinstance(k, str) else df[df[key] == k]
        if rows.empty:
            raise EvidenceMissing(f"{c['table']}: no row with {key}={k}")
        got = [float(rows[col].iloc[0]) for col in cols]
        shown.append(f"{k}: " + "/".join(_fmt(g) for g in got) + f" (paper {expected})")
        if not any(abs(g - float(expected)) <= atol for g in got):
            bad.append(k)
    verdict = CONTRADICTED if bad else SUPPORTED
    note = f"; off by more than {atol:g}: {bad}" if bad else f"; all within {atol:g}"
    return Outcome(verdict, "; ".join(shown) + note, f"{c['table']} [{_where_text(c.get('where'))}] {'/'.join(cols)}")


def correlation(ctx, c):
    """Spearman correlation of two columns of the selected rows >= min_rho (or <= max_rho)."""
    df = select(ctx.table(c["table"]), c.get("where"), c["table"])
    rho = float(df[c["x"]].rank().corr(df[c["y"]].rank()))
    ok = (rho >= c["min_rho"]) if "min_rho" in c else (rho <= c["max_rho"])
    need = f">= {c['min_rho']}" if "min_rho" in c else f"<= {c['max_rho']}"
    verdict = SUPPORTED if ok else CONTRADICTED
    if math.isnan(rho):
        verdict = INCONCLUSIVE
    return Outcome(verdict, f"Spearman rho({c['x']}, {c['y']}) = {_fmt(rho)} (need {need}, {len(df)} points)",
                   f"{c['table']} [{_where_text(c.get('where'))}]")


def std_is_seed_std(ctx, c):
    """The band drawn is +-1 sample std over seeds: every figure table's `std` equals the seeds' ddof=1 std."""
    checked, bad, skipped = [], [], []
    for name in c.get("tables") or ctx.available_figures():
        try:
            df = ctx.table(name)
        except EvidenceMissing:
            continue
        seeds = seed_columns(df)
        if "std" not in df.columns:
            if not seeds:  # a table that draws no band (B.4 scatter of seed means) makes no std claim
                skipped.append(name)
                continue
            bad.append(f"{name}: seed columns but no std column")
            continue
        checked.append(name)
        if seeds:
            vals = df[seeds].to_numpy(dtype=float)
            ok_rows = np.sum(~np.isnan(vals), axis=1) > 1
            want = np.nanstd(vals[ok_rows], axis=1, ddof=1)
            if not np.allclose(df["std"].to_numpy(dtype=float)[ok_rows], want, rtol=1e-6, atol=1e-12, equal_nan=True):
                bad.append(f"{name}: std is not the sample std of the seed columns")
    if not checked:
        raise EvidenceMissing("no figure tables yet")
    verdict = CONTRADICTED if bad else SUPPORTED
    note = f"; no band drawn (no std/seed columns): {skipped}" if skipped else ""
    return Outcome(verdict, f"{len(checked)} tables checked" + (f"; {bad}" if bad else ": std = sample std over seeds")
                   + note, "figure tables: std vs seed<k> columns")


COMPARATORS = {
    "trend": trend, "greater": greater, "close": close, "bound": bound, "monotone": monotone, "values_close": values_close,
    "correlation": correlation, "std_is_seed_std": std_is_seed_std, "source_constant": source_constant, "pytest": pytest_nodes, "config": config,
}


def combine(verdicts: list[str], how: str = "all") -> str:
    """all: any contradicted -> contradicted, any missing -> not run, all supported -> supported.
    any: any supported -> supported, all contradicted -> contradicted."""
    if how == "any":
        if SUPPORTED in verdicts:
            return SUPPORTED
        if verdicts and all(v == CONTRADICTED for v in verdicts):
            return CONTRADICTED
        return NOT_RUN if NOT_RUN in verdicts else INCONCLUSIVE
    if CONTRADICTED in verdicts:
        return CONTRADICTED
    if NOT_RUN in verdicts:
        return NOT_RUN
    if verdicts and all(v == SUPPORTED for v in verdicts):
        return SUPPORTED
    return INCONCLUSIVE
