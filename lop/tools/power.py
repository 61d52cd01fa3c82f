"""Seeds needed to decide the audit's claims, from measured seed spreads; writes docs/power_analysis.md.

A thin command over lop.stats, the project's one power calculation (the same one the audit's verdict
engine uses): the two-sided one-sample t test of "effect == threshold" at the family's level, power 0.8,
never below 5 seeds, with a range from the sd's own 95% interval.

    python -m lop.tools.power --verdicts results/decisive/paper_checks/verdicts.csv   # per claim (the audit's)
    python -m lop.tools.power --table results/cpu/figures/fig3_1.csv                  # per series of a table
    python -m lop.tools.power --references paper_checks/references/small              # the references' spreads
    python -m lop.tools.power --verdicts ... --references ... --write docs/power_analysis.md

--verdicts reads verdicts.csv (per-seed effects, threshold, side and the BH level the report used). --table
reads a figure table's seed<k> columns and gives the per-seed last- minus first-quarter change of every
series (against no change). --references reads first/last-quarter means and their sd over seeds; the
change's sd is taken as sqrt(sd_first^2 + sd_last^2) (independent quarters; correlated seeds make it
smaller, so this errs towards more seeds).
"""
from __future__ import annotations

import argparse
import datetime as _dt
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..stats import ALPHA, MIN_SEEDS, POWER, fmt_n, quarter_masks, seeds_needed_for, t_interval, t_pvalue


def _needed_cols(mean, sd, n, threshold, side="above", alpha=ALPHA) -> dict:
    s = seeds_needed_for(mean, sd, n, threshold, side, alpha)
    return {"to_reproduce": s.reproduce, "to_contradict": s.contradict, "low": s.low, "high": s.high}


def verdict_needs(path) -> pd.DataFrame:
    """Per data-decided claim of a verdicts.csv: n, mean, sd, interval, seeds to reproduce / contradict."""
    v = pd.read_csv(path, keep_default_na=False, na_values=[""])
    v = v[(v["decided_by"] == "data") & v["per_seed"].notna()]
    rows = []
    for _, r in v.iterrows():
        vals = np.array([float(x.split("=")[-1]) for x in str(r["per_seed"]).split(";") if x], dtype=float)
        n, mean = len(vals), float(vals.mean())
        sd = float(vals.std(ddof=1)) if n > 1 else math.nan
        alpha = float(r["alpha_needed"]) if "alpha_needed" in v and pd.notna(r.get("alpha_needed")) else ALPHA
        lo, hi = t_interval(vals)
        rows.append({"claim": r["claim"], "verdict": r["verdict"], "n": n, "effect": mean, "sd": sd, "ci_low": lo,
                     "ci_high": hi, "threshold": float(r["threshold"]), "side": r["side"], "alpha": alpha,
                     **_needed_cols(mean, sd, n, float(r["threshold"]), r["side"], alpha)})
    return pd.DataFrame(rows)


def table_changes(path, threshold: float = 0.0) -> pd.DataFrame:
    """Per series of a figure table: per-seed last-quarter minus first-quarter change, p against
    `threshold` (two-sided), seeds to reproduce / contradict a change of at least `threshold`."""
    t = pd.read_csv(path)
    seeds = sorted((c for c in t.columns if re.fullmatch(r"seed\d+", c)), key=lambda c: int(c[4:]))
    x = next((c for c in ("step", "samples") if c in t.columns), None)
    if not seeds or x is None:
        raise SystemExit(f"{path}: needs a step (or samples) column and per-seed columns seed0, seed1, ...")
    keys = [c for c in ("switch", "width", "arch", "variant", "model", "role", "layer", "metric") if c in t.columns]
    rows = []
    for key, g in t.groupby(keys, sort=True):
        first, last = quarter_masks(g[x].to_numpy())
        d = (g[last][seeds].mean() - g[first][seeds].mean()).to_numpy(dtype=float)
        d = d[np.isfinite(d)]
        n = len(d)
        sd = float(d.std(ddof=1)) if n > 1 else math.nan
        mean = float(d.mean()) if n else math.nan
        # a fall is a claim too: the side is the observed direction's, the threshold its magnitude
        side = "above" if mean >= 0 else "below"
        thr = threshold if side == "above" else -threshold
        rows.append({**dict(zip(keys, key if isinstance(key, tuple) else (key,))), "n": n, "change": mean, "sd": sd,
                     "p": t_pvalue(mean, sd, n, thr), **_needed_cols(mean, sd, n, thr, side)})
    return pd.DataFrame(rows)


def reference_changes(folder) -> pd.DataFrame:
    """Per series of every reference file: first/last-quarter change, its sd bound and the seeds needed."""
    rows = []
    for f in sorted(Path(folder).glob("*.csv")):
        r = pd.read_csv(f)
        r = r[r["value"] == "mean"] if "value" in r.columns else r
        wide = r.pivot_table(index="series", columns="stat", values=["ref", "sd", "n"], aggfunc="first")
        if ("ref", "first") not in wide.columns or ("ref", "last") not in wide.columns:
            continue
        for series, w in wide.iterrows():
            change = float(w[("ref", "last")] - w[("ref", "first")])
            sd = math.hypot(w[("sd", "first")], w[("sd", "last")])
            n = int(w[("n", "last")]) if ("n", "last") in w else 2
            need = _needed_cols(abs(change), sd, n, 0.0) if sd > 0 else {"to_reproduce": math.nan}
            rows.append({"figure": f.stem, "series": series, "change": change, "sd": sd, "n": n,
                         "needed": need["to_reproduce"], "low": need.get("low", math.nan), "high": need.get("high", math.nan)})
    return pd.DataFrame(rows)


def family(fig: str) -> str:
    if fig in ("figB_1", "figB_2"):
        return "bitflip"
    if fig in ("fig3_1", "fig3_2", "fig4_1", "figB_3", "figB_4", "figB_5", "figB_6"):
        return "continual"
    return "cloning"


def summarise(ref: pd.DataFrame) -> pd.DataFrame:
    """Per family: the share of first->last series that a given number of seeds decides (power 0.8)."""
    ref = ref.assign(family=ref["figure"].map(family))
    rows = []
    for fam, g in ref.groupby("family"):
        need = g["needed"]
        row = {"family": fam, "series": len(g), "no_change": int((~np.isfinite(need)).sum())}
        for n in (5, 8, 10, 20):
            row[f"decided_at_{n}"] = float((need <= n).sum() / len(g))
        finite = need[np.isfinite(need)]
        row["median_needed"] = float(finite.median()) if len(finite) else math.nan
        rows.append(row)
    return pd.DataFrame(rows)


def _md_table(df: pd.DataFrame, cols: dict) -> list[str]:
    out = ["| " + " | ".join(cols.values()) + " |", "|" + "---|" * len(cols)]
    for _, r in df.iterrows():
        cells = []
        for c in cols:
            v = r[c]
            if c in ("to_reproduce", "to_contradict", "low", "high", "needed", "n"):
                cells.append(fmt_n(float(v)) if isinstance(v, (int, float, np.floating, np.integer)) else str(v))
            elif isinstance(v, (float, np.floating)):
                cells.append("-" if math.isnan(v) else f"{v:.3g}")
            else:
                cells.append(str(v))
        out.append("| " + " | ".join(cells) + " |")
    return out


def document(verdicts: pd.DataFrame | None, refs: pd.DataFrame | None, sources: dict, command: str) -> str:
    """docs/power_analysis.md, generated (never typed): the method from lop.stats, then the measured counts."""
    now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d")
    out = ["# Power analysis: how many seeds a claim needs", "",
           f"Generated {now} by `{command}` (lop/tools/power.py over lop/stats.py). Do not edit by hand: rerun "
           "the command.", "",
           "## The calculation (lop/stats.py, shared with the audit's verdict engine and the figure tables)", "",
           f"- A data claim says *effect >= threshold* (or <=). Its evidence is one effect per seed; the verdict "
           f"uses the two-sided {100 * (1 - ALPHA):.0f}% Student-t interval with n - 1 degrees of freedom.",
           f"- *Seeds needed* is the smallest n whose two-sided one-sample t test of *effect == threshold* has "
           f"power >= {POWER} against the observed distance |mean - threshold| at the observed sd, at the level of "
           f"the preset's Benjamini-Hochberg family (q (decided + 1) / family size, recorded per claim as "
           f"`alpha_needed` in verdicts.csv), never below {MIN_SEEDS} (the project's seed rule: no verdict from "
           f"fewer seeds).",
           "- *To reproduce* counts when the observed mean lies on the claimed side of the threshold, *to contradict* "
           "when it lies on the other side; the other is infinite at the observed mean.",
           "- The range (low-high) repeats the count at the ends of the sd's own 95% chi-square interval: an sd "
           "from 5 seeds is uncertain by a factor of about 0.6 to 2.9.",
           "- Trends compare the first and the last quarter of a curve's x range (lop.stats.quarter_masks), the "
           "same windows everywhere.",
           "- How the CPU tiers' lengths were chosen (readings of the design seeds 0-4): docs/tier_design.md.", ""]
    if verdicts is not None and len(verdicts):
        out += [f"## Per claim, from {sources.get('verdicts')}", "",
                f"{len(verdicts)} data-decided claims with per-seed effects.", ""]
        out += _md_table(verdicts, {"claim": "claim", "verdict": "verdict", "n": "n", "effect": "effect",
                                    "sd": "sd", "threshold": "threshold", "alpha": "level",
                                    "to_reproduce": "seeds to reproduce", "to_contradict": "seeds to contradict",
                                    "low": "low", "high": "high"}) + [""]
    if refs is not None and len(refs):
        out += [f"## Per family, from the references {sources.get('references')}", "",
                "First- to last-quarter changes of every series of the committed reference tables; the change's sd "
                "is sqrt(sd_first^2 + sd_last^2) over the references' seeds (a guide: 2 seeds give a very "
                "uncertain sd).", ""]
        out += _md_table(summarise(refs), {"family": "family", "series": "series", "no_change": "no change",
                                           "decided_at_5": "share decided at 5", "decided_at_8": "at 8",
                                           "decided_at_10": "at 10", "decided_at_20": "at 20",
                                           "median_needed": "median seeds"}) + [""]
    return "\n".join(out) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m lop.tools.power", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--verdicts", help="a verdicts.csv of the audit (python -m paper_checks report)")
    ap.add_argument("--table", action="append", default=[], help="a figure table with per-seed columns")
    ap.add_argument("--threshold", type=float, default=0.0, help="--table: the change a claim needs (default 0)")
    ap.add_argument("--references", help="a reference folder (paper_checks/references/<preset>)")
    ap.add_argument("--write", help="write the generated document here (docs/power_analysis.md)")
    args = ap.parse_args(argv)
    pd.set_option("display.width", 200)
    pd.set_option("display.max_rows", 500)
    fmt = lambda x: f"{x:.4g}"  # noqa: E731
    ver = verdict_needs(args.verdicts) if args.verdicts else None
    refs = reference_changes(args.references) if args.references else None
    if args.write:
        command = "python -m lop.tools.power " + " ".join(argv if argv is not None else __import__("sys").argv[1:])
        Path(args.write).write_text(document(ver, refs, {"verdicts": args.verdicts, "references": args.references},
                                             command))
        print(f"wrote {args.write}")
        return
    if ver is not None:
        print(f"# {args.verdicts}: seeds for power {POWER} at each claim's level")
        print(ver.to_string(index=False, float_format=fmt))
    for path in args.table:
        print(f"# {path}: per-seed change last - first quarter, seeds for power {POWER} (two-sided)")
        print(table_changes(path, args.threshold).to_string(index=False, float_format=fmt))
    if refs is not None:
        print(f"# {args.references}: share of first->last series a seed count decides")
        print(summarise(refs).to_string(index=False, float_format=lambda x: f"{x:.2f}"))


if __name__ == "__main__":
    main()
