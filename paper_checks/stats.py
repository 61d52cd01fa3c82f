"""The verdict engine: per-seed effects -> mean, 95% Student-t interval, verdict, seeds needed.

A data claim says "the effect is at least `threshold`" (or, for `close`-style claims, "at most"). Its
evidence is one effect per seed (the seed is the unit of replication: init, data order and noise all
change with it). With n seeds, mean m, sample sd s (ddof = 1):

    95% interval   m +- t_{0.975, n-1} * s / sqrt(n)            (Student t with n - 1 degrees of freedom)
    reproduced     the interval lies entirely on the claimed side of the threshold
    contradicted   the interval lies entirely on the other side
    not resolved   the interval straddles the threshold; `seeds_needed` says how many seeds would give a
                   two-sided one-sample t test at alpha 0.05 power 0.8 against |m - threshold| at sd s
    underpowered   fewer than MIN_SEEDS seeds: no verdict either way (seeds_needed is still reported)

Across the data-decided claims of a preset the per-claim decisions are corrected for multiple comparisons
with Benjamini-Hochberg at q = ALPHA (false discovery rate): a claim whose interval clears the threshold
but whose BH-adjusted p-value exceeds q is `not resolved`. `expected_false` = q times the number decided:
BH bounds the expected FRACTION of false verdicts among them (the false discovery rate) by q, so this is
the expected number at that rate.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from scipy import stats as _st

MIN_SEEDS = 5  # the project's rule: nothing is called reproduced or contradicted from fewer than 5 seeds
ALPHA = 0.05  # two-sided level of each interval, and the BH false discovery rate
POWER = 0.8
MAX_SEEDS_NEEDED = 10_000  # reported as ">10000" beyond

REPRODUCED, CONTRADICTED, NOT_RESOLVED, UNDERPOWERED, NOT_RUN = (
    "reproduced", "contradicted", "not resolved", "underpowered", "not run")
DATA_VERDICTS = (REPRODUCED, CONTRADICTED, NOT_RESOLVED, UNDERPOWERED, NOT_RUN)


@dataclass
class Effect:
    """The per-seed effect of one check and its statistics (in the claim's own units and direction)."""
    values: np.ndarray  # one effect per seed (NaN-free)
    threshold: float
    side: str = "above"  # the claim: effect >= threshold ("above") or <= threshold ("below")
    label: str = ""  # what the effect is, e.g. "last - first quarter of dead_fraction"
    n: int = field(init=False)
    mean: float = field(init=False)
    sd: float = field(init=False)
    ci_low: float = field(init=False)
    ci_high: float = field(init=False)
    p: float = field(init=False)  # two-sided p of H0: mean effect == threshold (NaN when undefined)

    def __post_init__(self):
        if self.side not in ("above", "below"):
            raise ValueError(f"side must be 'above' or 'below', got {self.side!r}")
        v = np.asarray(self.values, dtype=float)
        self.values = v[~np.isnan(v)]
        self.n = len(self.values)
        self.mean = float(self.values.mean()) if self.n else math.nan
        self.sd = float(np.std(self.values, ddof=1)) if self.n > 1 else math.nan
        self.ci_low, self.ci_high = t_interval(self.values)
        self.p = t_pvalue(self.mean, self.sd, self.n, self.threshold)

    @cached_property
    def seeds_needed(self) -> float:
        """Seeds for power 0.8 against |mean - threshold| at this sd (computed on demand: a few ms)."""
        return seeds_needed(self.mean - self.threshold, self.sd)

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
        return REPRODUCED if above else CONTRADICTED if below else NOT_RESOLVED


def t_interval(values, alpha: float = ALPHA) -> tuple[float, float]:
    """Two-sided (1 - alpha) Student-t interval of the mean, n - 1 degrees of freedom (NaN for n < 2)."""
    v = np.asarray(values, dtype=float)
    n = len(v)
    if n < 2:
        return math.nan, math.nan
    m, s = float(v.mean()), float(np.std(v, ddof=1))
    half = float(_st.t.ppf(1 - alpha / 2, n - 1)) * s / math.sqrt(n)
    return m - half, m + half


def t_pvalue(mean: float, sd: float, n: int, threshold: float) -> float:
    """Two-sided one-sample t test p-value of H0: mean == threshold."""
    if n < 2 or math.isnan(sd):
        return math.nan
    if sd == 0:
        return 1.0 if mean == threshold else 0.0
    t = (mean - threshold) / (sd / math.sqrt(n))
    return float(2 * _st.t.sf(abs(t), n - 1))


def power(n: int, delta: float, sd: float, alpha: float = ALPHA) -> float:
    """Power of the two-sided one-sample t test with n seeds against a true shift delta at sd."""
    if n < 2:
        return 0.0
    df, nc = n - 1, abs(delta) / sd * math.sqrt(n)
    crit = _st.t.ppf(1 - alpha / 2, df)
    return float(_st.nct.sf(crit, df, nc) + _st.nct.cdf(-crit, df, nc))


def seeds_needed(delta: float, sd: float, target: float = POWER, alpha: float = ALPHA) -> float:
    """The smallest n (>= 2) with power >= target at the observed |delta| and sd (inf if never, NaN if unknown)."""
    if math.isnan(delta) or math.isnan(sd):
        return math.nan
    if sd == 0:
        return 2.0 if delta != 0 else math.inf
    if delta == 0:
        return math.inf
    z = _st.norm.ppf(1 - alpha / 2) + _st.norm.ppf(target)
    n = max(2, int(math.floor((z * sd / abs(delta)) ** 2)))  # the normal approximation is a lower bound
    if n > MAX_SEEDS_NEEDED:
        return math.inf
    while power(n, delta, sd, alpha) < target:
        n += 1
    return float(n)


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
    """Apply BH across a preset's decided claims: (verdicts, adjusted p-values, expected false verdicts).

    Only claims with a real verdict (reproduced / contradicted / not resolved, i.e. >= MIN_SEEDS seeds) are
    hypotheses; a reproduced or contradicted claim whose adjusted p exceeds q becomes not resolved.
    """
    tested = [v in (REPRODUCED, CONTRADICTED, NOT_RESOLVED) for v in verdicts]
    adj = benjamini_hochberg([p if t else math.nan for p, t in zip(pvalues, tested)])
    out = [NOT_RESOLVED if v in (REPRODUCED, CONTRADICTED) and not (a <= q) else v for v, a in zip(verdicts, adj)]
    decided = sum(v in (REPRODUCED, CONTRADICTED) for v in out)
    return out, adj, q * decided
