"""Evaluate every registry claim at one preset: the verdicts are computed here, from the evidence.

Evidence: figure tables results/<preset>/figures/<fig>.csv, the theory table results/theory/activations.csv,
test results (junit XML), the resolved config of each preset. A missing piece makes a claim 'not run'.
Data-decided claims get the verdict engine's vocabulary (paper_checks.stats), corrected across the preset
with Benjamini-Hochberg; the rest get their kind's label (paper_checks.LABELS). A claim whose `presets`
exclude the current one (its text needs the paper's scale: `scale_reason`) is at most 'not resolved', and
the note keeps what the data read. A comparator that crashes is a failure of the checker (collected in
`errors`), not a verdict.

The Benjamini-Hochberg family of a preset is fixed by the registry: every data-decided claim that is not
gated away from that preset, whatever is built. A member without evidence (or without an interval) counts
with p = 1 and reads `not run` / its own verdict, so building one figure cannot change another figure's
verdicts. A `combine: any` claim holds when one of its checks does: its p is the smallest of its checks'
p values times their number (Bonferroni within the claim), so that trying k checks does not buy k chances.
"""
from __future__ import annotations

import math
import traceback
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from . import (CONTRADICTED, FAILS, FIGURES, HOLDS, LABELS, NOT_RESOLVED, NOT_RUN, OPPOSITE, REPRODUCED, UNDERPOWERED)
from .comparators import COMPARATORS, DETERMINISTIC_TABLES, EvidenceMissing
from .outcome import Outcome
from .registry import Claim
from lop.stats import bh_level

from .stats import ALPHA, DECIDED, corrected

DATA_COMPARATORS = ("trend", "greater", "close", "bound", "monotone", "correlation")

REPO_ROOT = Path(__file__).resolve().parent.parent
THEORY_TABLE = "theory/activations"


@dataclass
class Result:
    claim: Claim
    verdict: str  # after gating and the multiple-comparison correction
    measured: list = field(default_factory=list)  # one line per check
    evidence: list = field(default_factory=list)
    note: str = ""
    data_read: str = ""  # the verdict of the data alone (before gating / correction)
    outcomes: list = field(default_factory=list)
    decisive: Outcome | None = None  # the data check whose statistics decide (and are shown)
    gated: bool = False
    data_decided: bool = False
    p_adjusted: float = math.nan
    p: float = math.nan  # the claim's p (the deciding check's; Bonferroni over the checks for combine: any)
    in_family: bool = False  # a member of the preset's Benjamini-Hochberg family


class Context:
    """What the comparators may read. Paths are relative to `root` (the checkout)."""

    def __init__(self, preset: str, root: Path = REPO_ROOT, tests: dict | None = None):
        self.preset, self.root, self.tests = preset, Path(root), tests
        self.results = self.root / "results" / preset
        self._tables: dict[str, pd.DataFrame] = {}
        self.expected_false, self.family_size = 0.0, 0  # set by run()
        self.family: list[str] = []  # the claim ids of the BH family (set by run())

    def table_path(self, name: str) -> Path:
        if name == THEORY_TABLE:
            return self.root / "results" / "theory" / "activations.csv"
        return self.results / "figures" / f"{name}.csv"

    def table(self, name: str) -> pd.DataFrame:
        if name not in self._tables:
            p = self.table_path(name)
            if not p.exists():
                raise EvidenceMissing(f"{p.relative_to(self.root)} does not exist (build it with snakemake)")
            self._tables[name] = pd.read_csv(p)
        return self._tables[name]

    def available_figures(self) -> list[str]:
        return [f for f in FIGURES if self.table_path(f).exists()]

    def config(self, preset: str) -> dict:
        return _resolved(preset)

    def configured_seeds(self, table: str) -> list[str]:
        """The seed ids the preset configures for the experiment behind a figure table (seed<k>): a seed
        that left no column in the table is still a configured seed, counted as diverged, never dropped.
        Empty where the preset or table is not a configured experiment (synthetic test roots)."""
        try:
            from lop.figures import figure

            fam = figure(table).family
            return [f"seed{k}" for k in self.config(self.preset)[fam]["seeds"]]
        except Exception:  # an unknown preset / table (e.g. a test's): no configured seeds to add
            return []


@lru_cache(maxsize=None)
def _resolved(preset: str) -> dict:
    from lop.config import resolve_config

    return resolve_config(preset=preset)


def _is_data_check(chk: dict) -> bool:
    return chk["comparator"] in DATA_COMPARATORS and chk.get("table") not in DETERMINISTIC_TABLES


def is_data_decided(claim: Claim) -> bool:
    """Decided by figure tables over seeds (the verdict engine), rather than by tests, config or exact tables."""
    return any(_is_data_check(chk) for chk in claim.checks)


def _run_check(ctx, claim, check, errors) -> Outcome:
    try:
        out = COMPARATORS[check["comparator"]](ctx, check)
    except EvidenceMissing as e:
        return Outcome(NOT_RUN, f"not run: {e}", check.get("table") or check["comparator"])
    except Exception:  # a defect of the checker or of the claim's parameters: report it, keep going
        errors.append(f"{claim.id}: {check['comparator']} crashed:\n{traceback.format_exc()}")
        return Outcome(NOT_RUN, "checker error (see errors)", check.get("table") or check["comparator"])
    if check.get("negate"):  # the claim is that the comparison FAILS (printed numbers that do not reproduce)
        out.verdict = {HOLDS: FAILS, FAILS: HOLDS}.get(out.verdict, out.verdict)
        out.measured = "comparison expected to fail: " + out.measured
    return out


def _combine_data(outs: list[Outcome], how: str) -> tuple[str, Outcome | None]:
    """Data verdict of a claim from its checks, and the check that decides it (its statistics are shown)."""
    vs = [o.verdict for o in outs]
    if NOT_RUN in vs:
        return NOT_RUN, None
    data = [o for o in outs if o.effect is not None or o.n_seeds is not None]
    if any(v == FAILS for v in vs):  # an exact part of a data claim failed
        return OPPOSITE, next(o for o in outs if o.verdict == FAILS)
    weakest = max(data, key=lambda o: o.effect.p if o.effect is not None and not math.isnan(o.effect.p) else -1.0)
    dv = [o.verdict for o in data]
    if how == "any":
        if REPRODUCED in dv:
            return REPRODUCED, min((o for o in data if o.verdict == REPRODUCED), key=lambda o: o.effect.p)
        if dv and all(v in CONTRADICTED for v in dv):
            return weakest.verdict, weakest
    else:
        if any(v in CONTRADICTED for v in dv):
            strongest = min((o for o in data if o.verdict in CONTRADICTED), key=lambda o: o.effect.p)
            return strongest.verdict, strongest
        if dv and all(v == REPRODUCED for v in dv):
            return REPRODUCED, weakest
    if UNDERPOWERED in dv:
        under = [o for o in data if o.verdict == UNDERPOWERED]
        return UNDERPOWERED, max(under, key=lambda o: _needed(o))
    return NOT_RESOLVED, max((o for o in data if o.verdict == NOT_RESOLVED), key=lambda o: _needed(o))


def _needed(o: Outcome) -> float:
    v = o.effect.seeds_needed if o.effect is not None else math.nan
    return -1.0 if math.isnan(v) else v


def _label(claim: Claim, outs: list[Outcome]) -> str:
    """The label of a claim decided by tests / config / exact tables: holds -> its kind's label."""
    kind = claim.kind
    if kind == "number" and not any(chk["comparator"] == "config" for chk in claim.checks):
        kind = "theorem"  # a printed number recomputed exactly (theory table, tests): shown, not just configured
    good, bad = LABELS[kind]
    vs = [o.verdict for o in outs]
    if claim.combine == "any":
        return good if HOLDS in vs else NOT_RUN if NOT_RUN in vs else bad
    return bad if FAILS in vs else NOT_RUN if NOT_RUN in vs else good


def evaluate(claim: Claim, ctx: Context, errors: list) -> Result:
    outs = [_run_check(ctx, claim, chk, errors) for chk in claim.checks]
    res = Result(claim, NOT_RUN, [o.measured for o in outs], [o.evidence for o in outs])
    res.outcomes = outs
    if not is_data_decided(claim):
        res.verdict = res.data_read = _label(claim, outs)
        return res
    res.data_decided = True
    verdict, decisive = _combine_data(outs, claim.combine)
    res.verdict = res.data_read = verdict
    res.decisive = decisive
    if verdict != NOT_RUN and not claim.meaningful_at(ctx.preset):
        res.gated = True
        if verdict in DECIDED:
            res.verdict = NOT_RESOLVED
        res.note = (f"the claim needs preset {'/'.join(claim.presets)} ({claim.scale_reason}); "
                    f"at {ctx.preset} the data read: {verdict}")
    return res


def claim_p(res: Result) -> float:
    """The claim's p-value for the family: the deciding check's, times the number of data checks for a
    `combine: any` claim (Bonferroni within the claim); NaN without an interval."""
    d = res.decisive
    if d is None or d.effect is None or math.isnan(d.effect.p):
        return math.nan
    k = sum(_is_data_check(chk) for chk in res.claim.checks) if res.claim.combine == "any" else 1
    return min(1.0, d.effect.p * k)


def family(claims: list[Claim], preset: str) -> list[str]:
    """The preset's Benjamini-Hochberg family: every data-decided claim not gated away from the preset,
    fixed by the registry (never by what happens to be built)."""
    return [c.id for c in claims if is_data_decided(c) and c.meaningful_at(preset)]


def run(claims: list[Claim], ctx: Context) -> tuple[list[Result], list[str]]:
    """Evaluate every claim, then correct the data-decided ones for multiple comparisons (Benjamini-Hochberg
    across the preset's fixed family: `family`; members without a p-value count with p = 1)."""
    errors: list[str] = []
    results = [evaluate(c, ctx, errors) for c in claims]
    ids = set(family(claims, ctx.preset))
    members = [r for r in results if r.claim.id in ids]
    for r in members:
        r.in_family, r.p = True, claim_p(r)
    for r in results:
        if not r.in_family:
            r.p = claim_p(r)
    new, adj, expected = corrected([r.verdict for r in members], [r.p for r in members])
    for r, v, a in zip(members, new, adj):
        r.p_adjusted = a
        if v != r.verdict:
            r.note = (r.note + "; " if r.note else "") + (f"{r.verdict} by its own interval, but not after the "
                                                           f"Benjamini-Hochberg correction (adjusted p {a:.3g} > {ALPHA})")
            r.verdict = v
    decided = sum(v in DECIDED for v in new)
    level = bh_level(decided, len(members))
    for r in results:  # seeds needed at the level a further claim must reach in this family
        if r.decisive is not None and r.decisive.effect is not None:
            r.decisive.effect.alpha = level if r.in_family else ALPHA
            r.decisive.effect.__dict__.pop("needed", None)
    ctx.expected_false = expected
    ctx.family_size = len(members)
    ctx.family = [r.claim.id for r in members]
    ctx.bh_level = level
    return results, errors


def test_nodes(claims: list[Claim]) -> list[str]:
    """Every pytest node id the registry reads."""
    return sorted({n for c in claims for chk in c.checks if chk["comparator"] == "pytest" for n in chk["nodes"]})
