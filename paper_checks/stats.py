"""The verdict engine: per-seed effects -> mean, 95% Student-t interval, verdict, seeds needed.

A data claim says "the effect is at least `threshold`" (or, for `close`-style claims, "at most"). Its
evidence is one effect per seed, each with its seed id. The interval, the p-value, the seed rule and the
seeds-needed counts are lop.stats (one module for the whole project); this module turns them into
verdicts:

    reproduced            the interval lies entirely on the claimed side of the threshold
    opposite              the interval lies entirely on the other side of no effect (`null`, 0 for a change
                          or a difference): the data go the other way. For a bound with no "no effect"
                          reference (at_most, close: "stays below", "agrees within"), an interval entirely
                          past the bound is `opposite` too: the claimed state does not hold
    smaller than claimed  the interval lies entirely short of the threshold but not entirely on the other
                          side of no effect: an effect of the claimed size is excluded at this scale (the
                          direction itself may hold, when the interval also clears no effect, or be undecided)
    not resolved          the interval straddles the threshold; seeds_needed says how many seeds would
                          decide it (to reproduce or to contradict; lop.stats.seeds_needed_for)
    underpowered          fewer than MIN_SEEDS seeds: no verdict either way
    not run               no evidence

Diverged seeds (the rule; never a silent drop). Every configured seed of a check is listed with its id; a
seed with no value somewhere in the window the check reads (a run that diverged, or stopped logging), or
whose effect is undefined (a relative change from a base of exactly 0, comparators.relative_difference; a rank
correlation with a series that does not vary), has no effect and is `missing`: the row counts configured /
used / diverged (= without an effect) seeds and names them. The verdict is computed on the used seeds,
and a decided verdict (reproduced, opposite, smaller than claimed) stands only if it survives an
imputation that gives it no help: every diverged seed set exactly at the threshold (the seed counts as
neither supporting nor contradicting the claim, and it widens the interval). Otherwise the claim is
`not resolved` and says so. Fewer than MIN_SEEDS used seeds is `underpowered` as always. So a mechanism
that makes seeds diverge (the ViT's collapse) can only keep a claim undecided, never push it to either
verdict by its absence.

Event claims (decided before the confirmatory run). The ViT's claims stay mean-effect claims: what v1
states and draws (Fig. 3.1, 3.2, B.5) is the seed-mean duplicate fraction rising as a curve with a band,
not a probability that a seed collapses, so a rate would test a claim the paper does not make. A collapse
shows in the mean (a collapsed seed's duplicates rise), and a collapse that ends in divergence falls under
the diverged-seed rule above. Should a rate claim be registered, its interval is the exact binomial one
(lop.stats.binomial_interval: 5 of 5 seeds gives [0.48, 1], so 5 seeds can never show a rate above 1/2).

Across a preset the data-decided claims are one Benjamini-Hochberg family at q = ALPHA (its members are
fixed by the registry, not by what was built: paper_checks.checker.run); a claim whose interval clears
the threshold but whose adjusted p exceeds q is `not resolved`. `expected_false` = q times the number
decided (BH bounds the expected FRACTION of false verdicts among them by q).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from lop.stats import (ALPHA, MAX_SEEDS_NEEDED, MIN_SEEDS, POWER, SeedsNeeded, power,  # noqa: F401  (the engine's API)
                       seeds_needed, seeds_needed_for, t_interval, t_pvalue)

REPRODUCED, OPPOSITE, SMALLER, NOT_RESOLVED, UNDERPOWERED, NOT_RUN = (
    "reproduced", "opposite", "smaller than claimed", "not resolved", "underpowered", "not run")
CONTRADICTED = (OPPOSITE, SMALLER)  # the two ways a claim is contradicted
DATA_VERDICTS = (REPRODUCED, OPPOSITE, SMALLER, NOT_RESOLVED, UNDERPOWERED, NOT_RUN)
DECIDED = (REPRODUCED, OPPOSITE, SMALLER)


@dataclass
class Effect:
    """The per-seed effect of one check and its statistics (in the claim's own units and direction)."""
    values: np.ndarray  # one effect per seed (NaN = a seed without a value)
    threshold: float
    side: str = "above"  # the claim: effect >= threshold ("above") or <= threshold ("below")
    label: str = ""  # what the effect is, e.g. "last - first quarter of dead_fraction"
    seeds: list | None = None  # the seed ids of `values` (seed0, seed1, ...), same order
    null: float | None = 0.0  # the effect of "no effect" (None: the claim is a bound with no such reference)
    n: int = field(init=False)
    mean: float = field(init=False)
    sd: float = field(init=False)
    ci_low: float = field(init=False)
    ci_high: float = field(init=False)
    p: float = field(init=False)  # two-sided p of H0: mean effect == threshold (NaN when undefined)
    alpha: float = ALPHA  # the level seeds_needed is computed at (the checker sets the family's BH level)

    def __post_init__(self):
        if self.side not in ("above", "below"):
            raise ValueError(f"side must be 'above' or 'below', got {self.side!r}")
        v = np.asarray(self.values, dtype=float)
        ids = list(self.seeds) if self.seeds is not None else [f"seed{i}" for i in range(len(v))]
        keep = ~np.isnan(v)
        self.missing = [s for s, k in zip(ids, keep) if not k]  # configured seeds with no value (diverged)
        self.values, self.seeds = v[keep], [s for s, k in zip(ids, keep) if k]
        self.n = len(self.values)
        self.mean = float(self.values.mean()) if self.n else math.nan
        self.sd = float(np.std(self.values, ddof=1)) if self.n > 1 else math.nan
        self.ci_low, self.ci_high = t_interval(self.values)
        self.p = t_pvalue(self.mean, self.sd, self.n, self.threshold)

    @cached_property
    def needed(self) -> SeedsNeeded:
        """Seeds to reproduce / to contradict at `alpha`, with the range from the sd's own uncertainty."""
        return seeds_needed_for(self.mean, self.sd, self.n, self.threshold, self.side, self.alpha)

    @property
    def seeds_needed(self) -> float:
        return self.needed.point

    def raw_verdict(self) -> str:
        """The interval's verdict before the multiple-comparison correction."""
        if self.n == 0:
            return NOT_RUN
        if self.n < MIN_SEEDS:
            return UNDERPOWERED
        lo, hi = self.ci_low, self.ci_high
        if math.isnan(lo):
            return NOT_RESOLVED
        above, below = lo > self.threshold, hi < self.threshold
        if self.side == "below":
            above, below = below, above
        verdict = REPRODUCED if above else self.contradiction() if below else NOT_RESOLVED
        if verdict != NOT_RESOLVED and self.missing and self.imputed_verdict(verdict) != verdict:
            return NOT_RESOLVED
        return verdict

    def imputed_verdict(self, verdict: str) -> str:
        """The verdict with every diverged seed set at the threshold (no help to either verdict)."""
        full = np.concatenate([self.values, np.full(len(self.missing), float(self.threshold))])
        return Effect(full, self.threshold, self.side, null=self.null).raw_verdict()

    def diverged_text(self) -> str:
        if not self.missing:
            return ""
        return (f"; {len(self.missing)} of {self.n + len(self.missing)} configured seeds have no effect (a diverged "
                f"run, or an undefined one: a change relative to 0, a correlation with a constant series) "
                f"({', '.join(self.missing)}): decided on {self.n} only if the verdict survives them set at the "
                f"threshold")

    def contradiction(self) -> str:
        """Which way a contradicted claim fails: the other side of no effect, or short of the threshold."""
        if self.null is None:
            return OPPOSITE if self.side == "below" else SMALLER
        wrong_side = self.ci_high < self.null if self.side == "above" else self.ci_low > self.null
        return OPPOSITE if wrong_side else SMALLER


def benjamini_hochberg(pvalues: list[float]) -> list[float]:
    """BH-adjusted p-values (NaN stays NaN and is not counted as a hypothesis)."""
    p = np.asarray(pvalues, dtype=float)
    out = np.full(len(p), math.nan)
    idx = np.flatnonzero(~np.isnan(p))
    m = len(idx)
    if m == 0:
        return out.tolist()
    order = idx[np.argsort(p[idx])]
    adj = p[order] * m / np.arange(1, m + 1)
    adj = np.minimum.accumulate(adj[::-1])[::-1]
    out[order] = np.minimum(adj, 1.0)
    return out.tolist()


def corrected(verdicts: list[str], pvalues: list[float], q: float = ALPHA) -> tuple[list[str], list[float], float]:
    """Apply BH across a preset's family: (verdicts, adjusted p-values, expected false verdicts).

    Every member is a hypothesis: a member without a p-value (not run, underpowered, no interval) counts
    with p = 1, so that the family, and with it every adjusted p, does not depend on what was built. A
    decided claim (reproduced / opposite / smaller than claimed) whose adjusted p exceeds q becomes not
    resolved.
    """
    p = [1.0 if (v not in DECIDED + (NOT_RESOLVED,) or x is None or math.isnan(x)) else x
         for v, x in zip(verdicts, pvalues)]
    adj = benjamini_hochberg(p)
    out = [NOT_RESOLVED if v in DECIDED and not (a <= q) else v for v, a in zip(verdicts, adj)]
    decided = sum(v in DECIDED for v in out)
    return out, adj, q * decided
