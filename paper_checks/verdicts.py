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
  preset        the preset these verdicts are for
  scale         how that preset's settings for the claim's experiments differ from the paper's
                (paper_checks.scale, derived from the resolved configs)
  registry_hash the hash of the registry's decision fields (paper_checks.registry.registry_hash): which
                preregistered thresholds decided this row (paper_checks/claims/REGISTERED holds the
                registered one)
  in_family     the claim is a member of the preset's Benjamini-Hochberg family (fixed by the registry)
  seeds         the seed ids of the deciding check, configured order; per_seed is "<id>=<value>" for used seeds
  n_configured, n_used, n_diverged, diverged_seeds   every configured seed accounted for
  seeds_to_reproduce, seeds_to_contradict, seeds_needed_low, seeds_needed_high, alpha_needed
                seeds for power 0.8 at the family's BH level (alpha_needed), never below 5; low / high at
                the ends of the sd's own 95% interval (lop.stats.seeds_needed_for)

Data columns are empty for claims not decided by data.
"""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

COLUMNS = ("claim", "kind", "verdict", "n_seeds", "effect", "ci_low", "ci_high", "threshold", "seeds_needed", "figures",
           "decided_by", "side", "per_seed", "p", "p_adjusted", "data_read", "evidence", "measured", "note", "location", "text",
           "file", "rationale", "scale_reason", "preset", "scale", "registry_hash", "in_family", "seeds", "n_configured",
           "n_used", "n_diverged", "diverged_seeds", "seeds_to_reproduce", "seeds_to_contradict", "seeds_needed_low",
           "seeds_needed_high", "alpha_needed")
SEP = " | "


def _num(v):
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else v


def rows(results, preset: str = "", registry_hash: str = "") -> pd.DataFrame:
    from .scale import scale_note

    out = []
    for r in results:
        c = r.claim
        row = {"claim": c.id, "kind": c.kind, "verdict": r.verdict, "figures": " ".join(c.figures),
               "preset": preset, "registry_hash": registry_hash, "in_family": bool(getattr(r, "in_family", False)),
               "scale": scale_note(c.figures, preset) if preset and r.data_decided else "",
               "decided_by": "data" if r.data_decided else "label",
               "data_read": r.data_read, "evidence": SEP.join(map(str, r.evidence)),
               "measured": SEP.join(map(str, r.measured)), "note": r.note, "location": c.location, "text": c.claim,
               "file": c.file, "rationale": c.rationale or "", "scale_reason": c.scale_reason or ""}
        d = r.decisive
        if d is not None:
            row["n_seeds"] = d.n_seeds
            e = d.effect
            if e is not None:
                need = e.needed
                row.update(effect=_num(e.mean), ci_low=_num(e.ci_low), ci_high=_num(e.ci_high), threshold=e.threshold,
                           seeds_needed=_num(need.point), side=e.side, p=_num(getattr(r, "p", e.p)),
                           p_adjusted=_num(r.p_adjusted),
                           per_seed=";".join(f"{s}={v:.6g}" for s, v in zip(e.seeds, e.values)),
                           seeds=";".join(sorted(e.seeds + e.missing, key=_seed_key)), n_configured=e.n + len(e.missing),
                           n_used=e.n, n_diverged=len(e.missing), diverged_seeds=";".join(e.missing),
                           seeds_to_reproduce=_num(need.reproduce), seeds_to_contradict=_num(need.contradict),
                           seeds_needed_low=_num(need.low), seeds_needed_high=_num(need.high), alpha_needed=need.alpha)
        out.append(row)
    df = pd.DataFrame(out)
    for col in COLUMNS:
        if col not in df:
            df[col] = None
    return df[list(COLUMNS)]


def _seed_key(s: str):
    return int(s[4:]) if s[4:].isdigit() else s


def write(results, path, preset: str = "", registry_hash: str = "") -> pd.DataFrame:
    from lop.provenance import write_table_atomic

    df = rows(results, preset, registry_hash)
    write_table_atomic(df, Path(path))
    return df


def read(path) -> pd.DataFrame:
    df = pd.read_csv(path, keep_default_na=False, na_values=[""])
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"{path}: not a verdicts table (missing columns {missing}); rerun `python -m paper_checks report`")
    return df
