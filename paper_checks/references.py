"""Data-level regression of the 18 figure tables against committed reference values.

Not PDF bytes, and not every plotted point: per figure table, per series (one combination of the key
columns, e.g. arch/variant/model/metric/layer) and per value column, three aggregates are compared:
    first  mean over the first quarter of the x range (steps / samples)  - early, little chaos yet
    all    mean over all points
    last   mean over the last quarter
(tables without an x column - bar tables - have one "all" value per row). References live in
paper_checks/references/<preset>/<fig>.csv and change only through `python -m paper_checks
update-references --preset <p>` (update()).

Two tiers, chosen by the platform the reference was made on (its .json records `platform`, with the
commit, the preset's resolved parameters and the command that wrote it):

EXACT tier (same platform fingerprint: machine, CPU model, OS, Python, numpy, torch, thread count). Reruns
on one machine are bitwise identical, so every aggregate (incl. `last`) must agree within EXACT_RTOL
(1e-12, relative; the CSV round trip of a float64 is exact to ~1e-16). Any change at all is reported.

STATISTICAL tier (another platform, or a reference that records none): two tests, both must pass:
(1) per aggregate (`first` and `all`):  |new - ref| <= ATOL + RTOL * |ref| + Z * sd * sqrt(2 / n)
  - ATOL, RTOL absorb float rounding of an otherwise identical computation (CSV round trip, BLAS
    summation order): CPU float32 differs by ~1e-6 relative per step.
  - The last term bounds chaotic amplification. Training is chaotic: a 1e-6 difference on another
    machine can grow until the trajectory is a different realisation with the same seed. Such a
    realisation differs from the reference at most like an independent run, so the difference of two
    means over n seeds has standard deviation sd * sqrt(2 / n), sd = the seed-to-seed standard deviation
    of that aggregate in THIS series (from the seed<k> columns; from the `std` column where a table has
    none), never a pooled family floor: a series whose seeds agree is held to their agreement. With 2
    seeds that sd has 1 degree of freedom; the paper preset's 5 seeds make it usable. Z = 4 (`all`),
    Z_FIRST = 3 (`first`).
    Measured (docs/paper_checks.md): a 1e-7 relative perturbation of the initial weights of the small
    continual MLP runs moved `first` aggregates by <= 0.5 sd, `all` by <= 2.3 sd, `last` by <= 12 sd.
(2) per family (figure, value, metric, aggregate incl. `last`): no coherent shift - fewer than 90% of the
    aggregates that changed beyond rounding moved the same way, or their median change is < 1 sd.
A deliberate change to a metric definition moves a whole family of series in one direction, far
beyond seed noise in the series where the metric is not trivially 0; that is what the comparison
catches (see the report and tests/paper_checks/test_references.py).
"""
from __future__ import annotations

import json
import math
import os
import platform as _platform
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from . import FIGURES

PACKAGE_DIR = Path(__file__).resolve().parent
REFERENCES_DIR = PACKAGE_DIR / "references"
ATOL, RTOL, Z = 1e-4, 1e-3, 4.0
Z_FIRST = 3.0  # the first quarter has diverged little (measured <= 0.5 sd after a 1e-7 weight perturbation)
# Aggregates checked one by one. `last` is not: after 1000 chaotic steps a 1e-7 perturbation moved per-layer
# last-quarter means by up to 12 seed sds (2 seeds underestimate sd); it enters the systematic-shift test only.
CHECKED_ONE_BY_ONE = ("first", "all")
# Systematic-shift test per family (figure, value, metric, aggregate): a metric-definition change moves many
# series the same way, chaos moves them both ways. Fail when at least SHIFT_MIN_MEMBERS aggregates changed
# beyond rounding, at least SHIFT_SIGN_FRACTION of them in one direction, with median |diff| / sd_eff >= SHIFT_MIN_SD.
SHIFT_MIN_MEMBERS, SHIFT_SIGN_FRACTION, SHIFT_MIN_SD = 4, 0.9, 1.0
EXACT_RTOL = 1e-12  # same-platform tier: reruns are bitwise identical, the CSV round trip exact to ~1e-16
X_COLUMNS = ("step", "samples")
NON_KEY = {"mean", "std", "n_seeds"}


def _seed_cols(df):
    return [c for c in df.columns if c.startswith("seed") and c[4:].isdigit()]


def _layout(df: pd.DataFrame):
    """(x column or None, value columns, key columns) of a figure table."""
    x = next((c for c in X_COLUMNS if c in df.columns), None)
    seeds = set(_seed_cols(df))
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
    seeds = _seed_cols(df)
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
            for stat, w in windows.items():
                ref = float(w[value].mean()) if w[value].notna().any() else float("nan")
                if value == "mean" and seeds:
                    per_seed = w[seeds].mean(axis=0).dropna().to_numpy(dtype=float)
                    n = len(per_seed)
                    sd = float(np.std(per_seed, ddof=1)) if n > 1 else 0.0
                elif "std" in w and value == "mean":  # seed std per point (no seed columns)
                    n = int(w["n_seeds"].min()) if "n_seeds" in w else 1
                    sd = float(w["std"].fillna(0).mean())
                else:  # no seed information (B.4 scatter of seed means): the spread over the window's points
                    n = int(w["n_seeds"].min()) if "n_seeds" in w else 1
                    sd = float(w[value].std(ddof=1)) if w[value].notna().sum() > 1 else 0.0
                rows.append({"series": label, "value": value, "stat": stat, "metric": metric or value,
                             "ref": ref, "sd": sd, "n": max(n, 1)})
    return pd.DataFrame(rows)


def tolerance(ref: float, sd_eff: float, n: int, stat: str = "all") -> float:
    z = Z_FIRST if stat == "first" else Z
    return ATOL + RTOL * abs(ref) + z * sd_eff * math.sqrt(2.0 / max(n, 1))


def _shift_failures(m: pd.DataFrame, fig: str) -> list[str]:
    """Families whose changed aggregates move coherently in one direction (see SHIFT_*)."""
    out = []
    for (value, metric, stat), g in m.groupby(["value", "metric", "stat"]):
        d = g["new"] - g["ref"]
        moved = d.abs() > ATOL + RTOL * g["ref"].abs()
        if moved.sum() < SHIFT_MIN_MEMBERS:
            continue
        dm, sd = d[moved], g.loc[moved, "sd_eff"].replace(0, np.nan)
        same = max((dm > 0).mean(), (dm < 0).mean())
        size = float(np.nanmedian((dm.abs() / sd).to_numpy(dtype=float))) if sd.notna().any() else float("inf")
        if same >= SHIFT_SIGN_FRACTION and size >= SHIFT_MIN_SD:
            out.append(f"{fig} [{metric}] {value}/{stat}: systematic shift, {int(moved.sum())} series moved "
                       f"{'up' if dm.mean() > 0 else 'down'} ({same:.0%} one way, median {size:.2g} sd)")
    return out


def platform_fingerprint() -> dict:
    """What must be equal for two runs to be bitwise identical (the exact tier's condition)."""
    cpu = ""
    try:
        cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                    if ln.startswith("model name")), "")
    except OSError:
        pass
    versions = {}
    for pkg in ("numpy", "torch", "pandas"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    return {"machine": _platform.machine(), "system": _platform.system(), "cpu": cpu,
            "python": _platform.python_version(), **versions, "omp_num_threads": os.environ.get("OMP_NUM_THREADS")}


def _exact_failures(merged: pd.DataFrame, fig: str) -> list[str]:
    out = []
    for _, r in merged.iterrows():
        a, b = r["ref"], r["new"]
        if (math.isnan(a) and math.isnan(b)) or abs(b - a) <= EXACT_RTOL * max(1.0, abs(a)):
            continue
        out.append(f"{fig} [{r['series']}] {r['value']}/{r['stat']}: {b!r} vs reference {a!r} (same platform: must be "
                   f"identical within {EXACT_RTOL:g})")
    return out


def compare_tables(reference: pd.DataFrame, table: pd.DataFrame, fig: str, exact: bool = False) -> list[str]:
    """Failures of one figure table against its reference summary (empty list = within tolerance).
    exact: the same-platform tier (every aggregate identical within EXACT_RTOL), else the statistical tier."""
    new = summarize(table)
    ref = reference.copy()
    ref["sd_eff"] = ref["sd"]  # this series' own seed sd (no pooled floor)
    idx = ["series", "value", "stat"]
    merged = ref.merge(new[idx + ["ref"]].rename(columns={"ref": "new"}), on=idx, how="outer", indicator=True)
    merged["metric"] = merged["metric"].fillna("")
    both = merged[merged["_merge"] == "both"]
    failures = _exact_failures(both, fig) if exact else _shift_failures(both, fig)
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
            tol = tolerance(a, r["sd_eff"], int(r["n"]), r["stat"])
            if abs(b - a) > tol:
                failures.append(f"{where}: {b:.6g} vs reference {a:.6g} (|diff| {abs(b - a):.3g} > tol {tol:.3g})")
    return failures


def tier(ref_json: Path) -> str:
    """'exact' when the reference was made on this platform (its .json says so), else 'statistical'."""
    try:
        meta = json.loads(Path(ref_json).read_text())
    except (OSError, ValueError):
        return "statistical"
    return "exact" if meta.get("platform") == platform_fingerprint() else "statistical"


def compare(results_dir, references_dir, tiers: dict | None = None) -> list[str]:
    """Every figure table under results_dir/figures vs references_dir/<fig>.csv; returns the failures.
    `tiers`, if given, is filled with {fig: 'exact' | 'statistical'} (see the module docstring).

    A reference without a table, or a table without a reference, is a failure too (CI must cover all 18).
    """
    results_dir, references_dir = Path(results_dir), Path(references_dir)
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
        how = tier(ref_path.with_suffix(".json"))
        if tiers is not None:
            tiers[fig] = how
        failures += compare_tables(pd.read_csv(ref_path, keep_default_na=True), pd.read_csv(table_path), fig,
                                   exact=how == "exact")
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
            "parameters": parameters, "platform": platform_fingerprint(),
            "tolerance": {"atol": ATOL, "rtol": RTOL, "z": Z, "z_first": Z_FIRST, "exact_rtol": EXACT_RTOL}})
        written.append(fig)
    return written


def _head_commit() -> str | None:
    import subprocess

    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=PACKAGE_DIR, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None
