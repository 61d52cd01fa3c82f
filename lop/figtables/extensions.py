"""Tables of the extension grid (methods x archs; lop.methods): the curves of figures/ext_methods.pdf, each
method's effect on the symptoms with 95% confidence intervals, and the Markdown section the audit report
links. These are this project's findings, not claims of the paper.

Per run and task: the mean online accuracy over the task's steps and the mean of each symptom over the
task's probe rows (layer `mean`, the mean over probed layers). Symptoms: dead fraction, duplicate fraction
and effective rank, all four archs alike (the figure shows each; the paper's per-arch choice of symptom
is in lop.figtables.continual.SYMPTOM).

Effects, per (arch, method, symptom), from per-seed values:
  change    last-quarter mean - first-quarter mean of the tasks (did it fall or rise over the stream?)
  vs_none   last-quarter mean minus `none`'s, paired by seed (runs of one seed share the class order)
each with a t-interval over seeds. A verdict needs >= 5 seeds (MIN_SEEDS); below, it says underpowered.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from ..stats import MIN_SEEDS, quarter_masks, t_interval
from .runs import load_runs, over_seeds

ROLES = {"accuracy": ("online", "accuracy"), "dead": ("mean", "dead_fraction"),
         "duplicate": ("mean", "duplicate_fraction"), "rank": ("mean", "effective_rank")}
BASELINE = "none"


def load_grid(paths) -> pd.DataFrame:
    """The runs' tables with arch, method and seed (method from each run.json)."""
    if not paths:
        raise ValueError("no runs given to the extension tables")
    return pd.concat([load_runs([p]).assign(method=json.loads((Path(p).parent / "run.json").read_text())["method"])
                      for p in paths], ignore_index=True)


def per_task(df: pd.DataFrame) -> pd.DataFrame:
    parts = []
    for role, (layer, metric) in ROLES.items():
        part = df[(df.layer == layer) & (df.metric == metric)]
        if part.empty:
            raise ValueError(f"the grid's runs have no {layer}/{metric} values")
        parts.append(part.groupby(["arch", "method", "seed", "task"], as_index=False)["value"].mean().assign(role=role))
    return pd.concat(parts, ignore_index=True)


def curves(df: pd.DataFrame) -> pd.DataFrame:
    """The figure table: per (arch, method, role, task) mean, std, n_seeds and seed<k> over seeds."""
    return over_seeds(per_task(df), ["arch", "method", "role", "task"])


def _interval(x: np.ndarray) -> tuple[float, float, float]:
    x = x[~np.isnan(x)]
    if len(x) < 2:
        return (float(x.mean()) if len(x) else math.nan), math.nan, math.nan
    lo, hi = t_interval(x)
    return float(x.mean()), lo, hi


def _verdict(n: int, lo: float, hi: float, up: str, down: str, flat: str) -> str:
    if n < MIN_SEEDS:
        return f"underpowered ({n} < {MIN_SEEDS} seeds)"
    return up if lo > 0 else down if hi < 0 else flat


def effects(df: pd.DataFrame) -> pd.DataFrame:
    t = per_task(df)
    in_first, in_last = quarter_masks(t.task.to_numpy())  # the project's quarter windows, over the tasks
    first = t[in_first].groupby(["arch", "method", "role", "seed"])["value"].mean()
    last = t[in_last].groupby(["arch", "method", "role", "seed"])["value"].mean()
    rows = []
    for (arch, method, role), lst in last.groupby(level=[0, 1, 2]):
        lst = lst.droplevel([0, 1, 2])
        fst = first.loc[(arch, method, role)]
        change = (lst - fst).to_numpy()
        row = {"arch": arch, "method": method, "symptom": role, "n_seeds": int(len(lst)),
               "first_quarter": float(fst.mean()), "last_quarter": float(lst.mean())}
        row["change"], row["change_lo"], row["change_hi"] = _interval(change)
        row["change_verdict"] = _verdict(len(change), row["change_lo"], row["change_hi"], "rises", "falls", "no clear change")
        if (arch, BASELINE, role) in last.index:
            base = last.loc[(arch, BASELINE, role)]
            paired = (lst - base).dropna().to_numpy()  # seeds both have
            row["vs_none"], row["vs_none_lo"], row["vs_none_hi"] = _interval(paired)
            row["vs_none_verdict"] = ("baseline" if method == BASELINE else
                                      _verdict(len(paired), row["vs_none_lo"], row["vs_none_hi"], "higher", "lower",
                                               "no clear difference"))
        rows.append(row)
    return pd.DataFrame(rows)


def markdown(eff: pd.DataFrame, meta: dict) -> str:
    """The 'Extensions' section of the audit report: per arch, a table and what each method did."""
    fmt = lambda v: "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:+.3f}"  # noqa: E731
    out = ["# Extensions: plasticity methods in the continual-learning grid", "",
           "Our findings, not claims of the paper. " + meta.get("setting", ""), "",
           f"Per arch and method: the change of each symptom from the first to the last quarter of the tasks, and "
           f"the last quarter against `{BASELINE}` (paired by seed); mean [95% t-interval] over seeds. "
           f"A verdict needs >= {MIN_SEEDS} seeds.", ""]
    for arch in eff.arch.unique():
        e = eff[eff.arch == arch]
        out += [f"## {arch}", "", "| method | symptom | first -> last quarter | change [95% CI] | verdict | vs none [95% CI] | verdict |",
                "|---|---|---|---|---|---|---|"]
        for _, r in e.iterrows():
            out.append(f"| {r.method} | {r.symptom} | {r.first_quarter:.3f} -> {r.last_quarter:.3f} | "
                       f"{fmt(r.change)} [{fmt(r.change_lo)}, {fmt(r.change_hi)}] | {r.change_verdict} | "
                       f"{fmt(r.get('vs_none'))} [{fmt(r.get('vs_none_lo'))}, {fmt(r.get('vs_none_hi'))}] | "
                       f"{r.get('vs_none_verdict', 'n/a')} |")
        acc = e[e.symptom == "accuracy"]
        kept = sorted(acc[~acc.change_verdict.isin(["falls"]) & ~acc.change_verdict.str.startswith("underpowered")].method)
        fell = sorted(acc[acc.change_verdict == "falls"].method)
        out += ["", f"Accuracy did not fall (no significant decline) with: {', '.join(kept) or 'none of them'}; "
                f"it fell with: {', '.join(fell) or 'none of them'}"
                + ("" if acc.n_seeds.min() >= MIN_SEEDS else f" (fewer than {MIN_SEEDS} seeds: no verdicts)") + ".", ""]
    return "\n".join(out) + "\n"
