"""Comparators: one check of a claim -> Outcome (verdict of the check, measured text, evidence, effect).

Data comparators (trend, greater, monotone, close, bound, correlation) on a seeded figure table compute
one effect PER SEED (the seed is the unit of replication) and hand it to the verdict engine
(paper_checks.stats.Effect: mean, 95% Student-t interval with n - 1 df, verdict against the check's
threshold, seeds needed for power 0.8). Seeds are paired by their seed<k> column names, never by position.

On the deterministic theory table (results/theory/activations.csv: no seeds, exact computations) the same
comparators compare the statistic itself with the threshold: `holds` or `fails`.

Thresholds (min_change, margin, at_most / at_least, rtol, min_rho) are fixed in the registry with a
`rationale` per claim, before the data; a data check without an explicit threshold is a registry error.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from . import FAILS, HOLDS
from lop.stats import quarter_masks

from .comparators_code import config, pytest_nodes
from .outcome import EvidenceMissing, Outcome
from .stats import NOT_RESOLVED, UNDERPOWERED, Effect, MIN_SEEDS


X_COLUMNS = ("step", "samples")
DETERMINISTIC_TABLES = ("theory/activations",)


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


LOG_FLOOR = 1e-12  # 1 - R^2 below float32 resolution reads as this on a log scale


def on_scale(df: pd.DataFrame, c: dict) -> pd.DataFrame:
    """`scale: log10` in a check: the series (mean and every seed) in decades, for quantities that span decades
    (1 - R^2 from 1e-7 to 1e-1): a trend, difference or bound is then judged per decade, as the paper's log
    axes show it, rather than dominated by the largest seed."""
    if c.get("scale", "linear") == "linear":
        return df
    if c["scale"] != "log10":
        raise ValueError(f"unknown scale {c['scale']!r} (linear or log10)")
    df = df.copy()
    for col in ["mean"] + seed_columns(df):
        df[col] = np.log10(np.clip(df[col].to_numpy(dtype=float), LOG_FLOOR, None))
    return df


def _scaled_threshold(c: dict, key: str) -> float:
    """A bound's threshold on the check's scale (at_least 1e-3 on log10 -> -3); changes and margins are
    already given in decades on a log10 scale."""
    t = _threshold(c, key)
    return float(np.log10(t)) if c.get("scale") == "log10" and key in ("at_least", "at_most") else t


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
    first, last = quarter_masks(xs)  # the project's one definition of the quarter windows
    if window == "first_quarter":
        return df[first]
    if window == "last_quarter":
        return df[last]
    if window == "last":
        return df[xs == hi]
    if window == "first":
        return df[xs == lo]
    raise ValueError(f"unknown window {window!r}")


def series_values(df: pd.DataFrame, value: str, window: str, x_range=None, stat: str = "mean"):
    """One series' window statistic: (seed-mean value, {seed column: per-seed value} or None, n seeds used).

    stat: mean over the window's points (default), or max / min / last / first of each seed's curve.
    Every seed column of the series is a configured seed and stays in the dict: a seed without a value at
    some point of the window (a diverged run) maps to NaN, never to the mean of its remaining points, and
    is counted and named by the verdict engine (paper_checks.stats.Effect.missing), not dropped."""
    rows = _window_rows(df, window, x_range)
    x = _x_column(rows)
    if x is not None:
        rows = rows.sort_values(x)
    reduce = {"mean": np.nanmean, "max": np.nanmax, "min": np.nanmin,
              "last": lambda v: v[~np.isnan(v)][-1] if np.any(~np.isnan(v)) else np.nan,
              "first": lambda v: v[~np.isnan(v)][0] if np.any(~np.isnan(v)) else np.nan}[stat]
    seeds = seed_columns(rows) if value == "mean" else []
    if seeds:
        cols = {s: rows[s].to_numpy(dtype=float) for s in seeds}
        # a point where this seed has no value but another seed has one: the seed diverged in the window
        present = np.any(np.stack([~np.isnan(v) for v in cols.values()]), axis=0)
        per_seed = {s: (float(reduce(v)) if not np.any(np.isnan(v) & present) else math.nan) for s, v in cols.items()}
        used = [v for v in per_seed.values() if not math.isnan(v)]
        return float(np.mean(used)) if used else math.nan, per_seed, len(used)
    n = int(rows["n_seeds"].min()) if "n_seeds" in rows else 1
    return float(reduce(rows[value].to_numpy(dtype=float))), None, n


def _paired(a: dict, b: dict, f) -> tuple[np.ndarray, list[str]]:
    """(f(a_seed, b_seed), seed ids) for every seed of either side (same seed = same init and data order);
    a seed missing or NaN on one side gives NaN: it is counted as diverged, not dropped."""
    ids = sorted(set(a) | set(b), key=lambda s: int(s[4:]))
    nan = math.nan
    vals = [nan if math.isnan(a.get(s, nan)) or math.isnan(b.get(s, nan)) else f(a[s], b[s]) for s in ids]
    return np.array(vals, dtype=float), ids


def relative_difference(x: float, y: float) -> float:
    """(x - y) / |y|; 0 where x == y, undefined (NaN) where only y is 0: a change from zero has no relative
    size (a width-5 layer whose units all died has effective rank 0). Such a seed has no effect and falls
    under the engine's rule for seeds without one (paper_checks.stats: set at the threshold, no help)."""
    if x == y:
        return 0.0
    return math.nan if y == 0 else (x - y) / abs(y)


def _threshold(c, key: str) -> float:
    if key not in c:
        raise ValueError(f"{c['comparator']} check on {c.get('table')} needs an explicit `{key}` (the claim's "
                         f"magnitude threshold, fixed in the registry before the data)")
    return float(c[key])


def _decide(ctx, c, values, stat_value, n, threshold, side, label, shown, seeds=None, null=0.0) -> Outcome:
    """Per-seed values -> the engine's verdict; a deterministic table -> holds / fails on the statistic."""
    evidence = f"{c['table']} [{_where_text(c.get('where'))}] {c.get('value', 'mean')}"
    need = f"{'>=' if side == 'above' else '<='} {_fmt(threshold)}"
    if c["table"] in DETERMINISTIC_TABLES:
        ok = stat_value >= threshold if side == "above" else stat_value <= threshold
        return Outcome(HOLDS if ok else FAILS, f"{shown}; {label} {_fmt(stat_value)} (need {need}; exact)", evidence)
    if values is None:  # a table of seed means only: no per-seed effect, hence no interval
        verdict = UNDERPOWERED if n < MIN_SEEDS else NOT_RESOLVED
        return Outcome(verdict, f"{shown}; {label} {_fmt(stat_value)} of the seed means (need {need}); the table "
                                f"holds no per-seed values, so no interval", evidence, n_seeds=n)
    seeds = list(seeds) if seeds is not None else [f"seed{i}" for i in range(len(values))]
    absent = [s for s in ctx.configured_seeds(c["table"]) if s not in seeds]  # a run with no column at all
    if absent:
        values, seeds = np.concatenate([np.asarray(values, dtype=float), np.full(len(absent), np.nan)]), seeds + absent
    eff = Effect(values, threshold, side, label, seeds=seeds, null=null)
    return Outcome(eff.raw_verdict(), f"{shown}; {label} {_fmt(eff.mean)} [{_fmt(eff.ci_low)}, {_fmt(eff.ci_high)}] "
                                      f"(n={eff.n}, need {need})" + eff.diverged_text(), evidence, effect=eff,
                   n_seeds=eff.n)


# ---- data comparators ---------------------------------------------------------------------------------

def trend(ctx, c):
    """Per seed: last-quarter mean minus first-quarter mean, signed by `direction` (up: rises), >= min_change."""
    df = on_scale(select(ctx.table(c["table"]), c.get("where"), c["table"]), c)
    value, sign = c.get("value", "mean"), (1 if c.get("direction", "up") == "up" else -1)
    m0, first, n0 = series_values(df, value, "first_quarter", c.get("x_range"))
    m1, last, n1 = series_values(df, value, "last_quarter", c.get("x_range"))
    values, seeds = _paired(first, last, lambda a, b: sign * (b - a)) if first is not None and last is not None else (None, None)
    word = "rise" if sign > 0 else "fall"
    return _decide(ctx, c, values, sign * (m1 - m0), min(n0, n1), _threshold(c, "min_change"), "above",
                   word, f"{_fmt(m0)} -> {_fmt(m1)} (first vs last quarter)", seeds)


def greater(ctx, c):
    """Series A exceeds series B (window mean) by at least `margin` (with `relative: true`, by that fraction
    of B); A/B = where + where_a / where_b; per seed."""
    base = c.get("where", {})
    ta, tb = c["table"], c.get("table_b", c["table"])
    a = on_scale(select(ctx.table(ta), {**base, **c.get("where_a", {})}, ta), c)
    b = on_scale(select(ctx.table(tb), {**base, **c.get("where_b", {})}, tb), c)
    value, window = c.get("value", "mean"), c.get("window", "all")
    ma, pa, na = series_values(a, value, window, c.get("x_range_a", c.get("x_range")))
    mb, pb, nb = series_values(b, value, window, c.get("x_range_b", c.get("x_range")))
    # relative: (A - B) / |B| per seed, for quantities whose range scales with the model (effective rank
    # scales with the width, which the CPU tiers shrink): the margin is then a fraction of B
    diff = relative_difference if c.get("relative") else (lambda x, y: x - y)
    values, seeds = _paired(pa, pb, diff) if pa is not None and pb is not None else (None, None)
    la, lb = c.get("label_a", _where_text(c.get("where_a"))), c.get("label_b", _where_text(c.get("where_b")))
    what = f"({la} - {lb}) / {lb}" if c.get("relative") else f"{la} - {lb}"
    return _decide(ctx, c, values, diff(ma, mb), min(na, nb), _threshold(c, "margin"), "above",
                   what, f"{la}: {_fmt(ma)} vs {lb}: {_fmt(mb)} ({window})", seeds)


def close(ctx, c):
    """Series A and B agree: per seed |A - B| / |B| (window means) <= rtol."""
    base = c.get("where", {})
    a = select(ctx.table(c["table"]), {**base, **c.get("where_a", {})}, c["table"])
    b = select(ctx.table(c["table"]), {**base, **c.get("where_b", {})}, c["table"])
    window, value = c.get("window", "all"), c.get("value", "mean")
    ma, pa, na = series_values(a, value, window)
    mb, pb, nb = series_values(b, value, window)
    rel = lambda x, y: abs(relative_difference(x, y))  # noqa: E731
    values, seeds = _paired(pa, pb, rel) if pa is not None and pb is not None else (None, None)
    la, lb = c.get("label_a", _where_text(c.get("where_a"))), c.get("label_b", _where_text(c.get("where_b")))
    return _decide(ctx, c, values, rel(ma, mb), min(na, nb), _threshold(c, "rtol"), "below",
                   "relative difference", f"{la}: {_fmt(ma)} vs {lb}: {_fmt(mb)} ({window})", seeds, null=None)


def bound(ctx, c):
    """A statistic of each seed's curve (max | min | last | mean | first) <= at_most or >= at_least."""
    if ("at_most" in c) == ("at_least" in c):
        raise ValueError("a bound check needs exactly one of at_most / at_least (use two checks for a range)")
    df = on_scale(select(ctx.table(c["table"]), c.get("where"), c["table"]), c)
    stat = c.get("stat", "max")
    m, per_seed, n = series_values(df, c.get("value", "mean"), "all", c.get("x_range"), stat=stat)
    values = np.array(list(per_seed.values())) if per_seed is not None else None
    seeds = list(per_seed) if per_seed is not None else None
    side, key = ("below", "at_most") if "at_most" in c else ("above", "at_least")
    scale = " (log10)" if c.get("scale") == "log10" else ""
    return _decide(ctx, c, values, m, n, _scaled_threshold(c, key), side, f"per-seed {stat}{scale}",
                   f"{stat} of the seed mean {_fmt(m)}{scale}",
                   seeds, null=None)


def monotone(ctx, c):
    """Values ordered by `key` move in `direction`: per seed, last key minus first key >= min_change, and
    no step of the seed-mean curve goes the wrong way by more than `tol` (else the check is not resolved)."""
    df = on_scale(select(ctx.table(c["table"]), c.get("where"), c["table"]), c)
    value, window, key = c.get("value", "mean"), c.get("window", "all"), c["key"]
    sign = 1 if c.get("direction", "up") == "up" else -1
    keys = sorted(df[key].dropna().unique())
    if len(keys) < 2:
        raise EvidenceMissing(f"{c['table']}: fewer than two values of {key} with {_where_text(c.get('where'))}")
    stats = [series_values(df[df[key] == k], value, window, c.get("x_range")) for k in keys]
    means = np.array([s[0] for s in stats]) * sign
    steps_ok = bool(np.all(np.diff(means) >= -float(c.get("tol", 0.0))))
    first, last = stats[0][1], stats[-1][1]
    values, seeds = _paired(first, last, lambda a, b: sign * (b - a)) if first is not None and last is not None else (None, None)
    shown = ", ".join(f"{key}={k}: {_fmt(s[0])}" for k, s in zip(keys, stats)) + f" ({window})"
    out = _decide(ctx, c, values, float(means[-1] - means[0]), min(s[2] for s in stats), _threshold(c, "min_change"),
                  "above", f"total {'rise' if sign > 0 else 'fall'}", shown, seeds)
    if not steps_ok:
        out.measured += f"; a step of the seed-mean curve goes the wrong way by more than tol={c.get('tol', 0.0)}"
        out.verdict = {HOLDS: FAILS, "reproduced": NOT_RESOLVED}.get(out.verdict, out.verdict)
    return out


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
    verdict = FAILS if bad else HOLDS
    note = f"; off by more than {atol:g}: {bad}" if bad else f"; all within {atol:g}"
    return Outcome(verdict, "; ".join(shown) + note, f"{c['table']} [{_where_text(c.get('where'))}] {'/'.join(cols)}")


def correlation(ctx, c):
    """Spearman correlation of columns x and y over the selected rows, per seed where the table holds each
    seed's own x and y (`<x>_seed<k>` / `<y>_seed<k>` as in B.4's scatter, or seed<k> columns for y = mean);
    else of the seed means (no interval); >= min_rho or <= max_rho."""
    df = select(ctx.table(c["table"]), c.get("where"), c["table"])
    spearman = lambda x, y: float(pd.Series(x).rank().corr(pd.Series(y).rank()))  # noqa: E731
    rho = spearman(df[c["x"]].to_numpy(), df[c["y"]].to_numpy())
    n = int(df["n_seeds"].min()) if "n_seeds" in df else 1
    pairs = {}
    if c["y"] == "mean":
        pairs = {s: (c["x"], s) for s in seed_columns(df)}
    else:
        for col in df.columns:
            head, _, k = col.rpartition("_seed")
            if head == c["y"] and k.isdigit() and f"{c['x']}_seed{k}" in df.columns:
                pairs[f"seed{k}"] = (f"{c['x']}_seed{k}", col)
    values, seeds = None, None
    if pairs:
        seeds = sorted(pairs, key=lambda s: int(s[4:]))
        def rho_of(xc, yc):  # a seed without a value at some point of the scatter diverged: no rho, not a partial one
            x, y = df[xc].to_numpy(dtype=float), df[yc].to_numpy(dtype=float)
            return math.nan if np.isnan(x).any() or np.isnan(y).any() else spearman(x, y)
        values = np.array([rho_of(*pairs[s]) for s in seeds])
    side, key = ("above", "min_rho") if "min_rho" in c else ("below", "max_rho")
    return _decide(ctx, c, values, rho, n, _threshold(c, key), side, f"Spearman rho({c['x']}, {c['y']})",
                   f"{len(df)} points", seeds)


COMPARATORS = {
    "trend": trend, "greater": greater, "close": close, "bound": bound, "monotone": monotone,
    "values_close": values_close, "correlation": correlation, "pytest": pytest_nodes, "config": config,
}
