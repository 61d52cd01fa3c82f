"""results/<preset>/paper_checks/verdicts.csv: one row per claim, the machine-readable audit.

The report (paper_checks.report) is rendered from this file, never from the checker's objects, so what a
reader sees is exactly what a script reading the CSV sees. Columns (COLUMNS, in order):

  claim, kind, verdict, n_seeds, effect, ci_low, ci_high, threshold, seeds_needed, figures   (the issue's)
  decided_by    "data" (the verdict engine over seeds) or "label" (tests, config, exact tables)
  side          the claim: effect >= threshold ("above") or <= threshold ("below")
  per_seed      the per-seed effects of the deciding check, ";"-separated (seed order)
  p, p_adjusted two-sided t-test p of "effect == threshold", and its Benjamini-Hochberg adjustment
  data_read     the data's verdict before gating / correction (differs from `verdict` only then)
  evidence      what was read: table [filter] value, test nodes, config (one per check, " | "-separated)
  measured      what each check measured (" | "-separated); note: gating / correction remarks
  location, text, file, rationale, scale_reason

Data columns are empty for claims not decided by data.
"""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

COLUMNS = ("claim", "kind", "verdict", "n_seeds", "effect", "ci_low", "ci_high", "threshold", "seeds_needed", "figures",
           "decided_by", "side", "per_seed", "p", "p_adjusted", "data_read", "evidence", "measured", "note", "location", "text",
           "file", "rationale", "scale_reason")
SEP = " | "


def _num(v):
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else v


def rows(results) -> pd.DataFrame:
    out = []
    for r in results:
        c = r.claim
        row = {"claim": c.id, "kind": c.kind, "verdict": r.verdict, "figures": " ".join(c.figures),
               "decided_by": "data" if r.data_decided else "label",
               "data_read": r.data_read, "evidence": SEP.join(map(str, r.evidence)),
               "measured": SEP.join(map(str, r.measured)), "note": r.note, "location": c.location, "text": c.claim,
               "file": c.file, "rationale": c.rationale or "", "scale_reason": c.scale_reason or ""}
        d = r.decisive
        if d is not None:
            row["n_seeds"] = d.n_seeds
            e = d.effect
            if e is not None:
                row.update(effect=_num(e.mean), ci_low=_num(e.ci_low), ci_high=_num(e.ci_high), threshold=e.threshold,
                           seeds_needed=_num(e.seeds_needed), side=e.side, p=_num(e.p), p_adjusted=_num(r.p_adjusted),
                           per_seed=";".join(f"{v:.6g}" for v in e.values))
        out.append(row)
    df = pd.DataFrame(out)
    for col in COLUMNS:
        if col not in df:
            df[col] = None
    return df[list(COLUMNS)]


def write(results, path) -> pd.DataFrame:
    from lop.provenance import write_table_atomic

    df = rows(results)
    write_table_atomic(df, Path(path))
    return df


def read(path) -> pd.DataFrame:
    df = pd.read_csv(path, keep_default_na=False, na_values=[""])
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"{path}: not a verdicts table (missing columns {missing}); rerun `python -m paper_checks report`")
    return df
