"""Data-level regression of the 18 figure tables against committed reference values.

Not PDF bytes, and not every plotted point: per figure table, three aggregates of every series and value
column (first quarter, all, last quarter; paper_checks/tolerance.py). References live in
paper_checks/references/<preset>/<fig>.csv (+ .json: commit, the preset's resolved parameters, the command,
the platforms) and change only through `python -m paper_checks update-references --preset <p>` (update()).

Two tiers, chosen per reference by the platform (paper_checks/tolerance.py has the aggregates, the
tolerances and what each tier can and cannot detect): EXACT where this platform is one of those the
reference's .json lists under `platforms` (made or reproduced bitwise there; `record-platform` adds one),
STATISTICAL elsewhere. tests/paper_checks/test_cross_platform.py trains real runs under another CPU
kernel path and shows the statistical tier passes them while each planted bug that moves figure tables
fails it.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from lop.provenance import platform_fingerprint

from . import FIGURES
from .tolerance import (ALPHA_FAMILY, ALPHA_SERIES, ATOL, CHECKED_ONE_BY_ONE, EXACT_RTOL, RTOL, SHIFT_MIN_MEMBERS,
                        SHIFT_MIN_Z, compare_tables, pooled_spread, spread_pool, summarize, tolerance)

PACKAGE_DIR = Path(__file__).resolve().parent
REFERENCES_DIR = PACKAGE_DIR / "references"


def platforms(meta: dict) -> list[dict]:
    """The platforms a reference was made or reproduced on (older references record one `platform`)."""
    return list(meta.get("platforms") or ([meta["platform"]] if meta.get("platform") else []))


def tier(ref_json: Path) -> str:
    """'exact' when this platform is one the reference was made or reproduced on, else 'statistical'."""
    try:
        meta = json.loads(Path(ref_json).read_text())
    except (OSError, ValueError):
        return "statistical"
    return "exact" if platform_fingerprint() in platforms(meta) else "statistical"


def family_pools(refs: dict) -> dict:
    """{figure: its experiment family's pooled seed spreads} over the reference summaries `refs` {figure: summary}
    (tolerance.spread_pool: every figure of a family pools its like series)."""
    from lop.figures import FIGURES as REGISTRY

    family = {fig: REGISTRY[fig].family for fig in refs}
    pools = {fam: spread_pool([r for f, r in refs.items() if family[f] == fam]) for fam in set(family.values())}
    return {fig: pools[fam] for fig, fam in family.items()}


def margins(results_dir, references_dir) -> pd.DataFrame:
    """Every aggregate checked one by one in the statistical tier, with its change, its tolerance and the
    fraction of the tolerance used (`used`; a failure is > 1), largest first: how close a build on this
    platform comes to failing (`python -m paper_checks compare --margins N`)."""
    results_dir, references_dir = Path(results_dir), Path(references_dir)
    refs = {f: pd.read_csv(references_dir / f"{f}.csv") for f in FIGURES
            if (references_dir / f"{f}.csv").exists() and (results_dir / "figures" / f"{f}.csv").exists()}
    pools = family_pools(refs)
    rows = []
    for fig, reference in refs.items():
        new = summarize(pd.read_csv(results_dir / "figures" / f"{fig}.csv"))
        m = pooled_spread(reference, pools[fig]).merge(
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
    results_dir, references_dir = Path(results_dir), Path(references_dir)
    refs = {fig: pd.read_csv(references_dir / f"{fig}.csv") for fig in FIGURES
            if (references_dir / f"{fig}.csv").exists()}
    pools = family_pools(refs)
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
                                   pool=pools[fig])
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
