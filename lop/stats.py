"""The project's statistics in one place: the seed rule, the 95% Student-t interval, the quarter windows of a
curve, and how many seeds a claim needs (to reproduce it and to contradict it).

Every reader of seeds uses this module: the audit's verdict engine (paper_checks.stats), the figure tables
(lop.figtables: the first/last-quarter windows, intervals), the power command (lop.tools.power), which
also writes docs/power_analysis.md. Before it existed the same rules were written in four places and two
power calculations disagreed (one-sided against zero, two-sided against the threshold); now there is one.

The seed is the unit of replication (init, data order and noise all change with it). With n seeds, mean
m and sample sd s (ddof = 1):

    interval        m +- t_{1 - alpha/2, n-1} * s / sqrt(n)       (two-sided, alpha = 0.05)
    p               two-sided one-sample t test of "mean == threshold"
    seeds needed    the smallest n with power >= 0.8 for that two-sided test at the level `alpha`
                    against the observed distance |m - threshold| at sd s; never below MIN_SEEDS, because
                    no verdict is given from fewer seeds whatever the power
    range           the same at the ends of the 95% chi-square interval of the sd (an sd from 5 seeds is
                    itself uncertain by a factor of ~0.6-2.9)

"To reproduce" is the count when the observed mean lies on the claimed side of the threshold (the interval
would clear it), "to contradict" when it lies on the other side (the interval would exclude the claim);
the other of the two is infinite at the observed mean. Across a preset the level is the
Benjamini-Hochberg one (`bh_level`), not the nominal 0.05.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def _st():
    # scipy.stats on first use, not at import: the Snakefile imports this module (through lop.figures),
    # and scipy.stats costs ~0.5 s of every snakemake start.
    from scipy import stats
    return stats


MIN_SEEDS = 5  # the project's rule: nothing is called reproduced or contradicted from fewer than 5 seeds
ALPHA = 0.05  # two-sided level of each interval, and the Benjamini-Hochberg false discovery rate
POWER = 0.8
MAX_SEEDS_NEEDED = 10_000  # reported as infinite beyond
QUARTER = 0.25  # the first / last quarter of a curve's x range: the windows of every trend


def t_interval(values, alpha: float = ALPHA) -> tuple[float, float]:
    """Two-sided (1 - alpha) Student-t interval of the mean, n - 1 degrees of freedom (NaN for n < 2)."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    n = len(v)
    if n < 2:
        return math.nan, math.nan
    m, s = float(v.mean()), float(np.std(v, ddof=1))
    half = float(_st().t.ppf(1 - alpha / 2, n - 1)) * s / math.sqrt(n)
    return m - half, m + half


def t_pvalue(mean: float, sd: float, n: int, threshold: float) -> float:
    """Two-sided one-sample t test p-value of H0: mean == threshold."""
    if n < 2 or math.isnan(sd):
        return math.nan
    if sd == 0:
        return 1.0 if mean == threshold else 0.0
    t = (mean - threshold) / (sd / math.sqrt(n))
    return float(2 * _st().t.sf(abs(t), n - 1))


def quarter_masks(x) -> tuple[np.ndarray, np.ndarray]:
    """(first, last): the points of a curve whose x lies in the first quarter [lo, lo + (hi - lo)/4] and the
    last [hi - (hi - lo)/4, hi] of its x range. The windows of every trend claim, table summary and power
    figure in the project."""
    x = np.asarray(x, dtype=float)
    lo, hi = np.nanmin(x), np.nanmax(x)
    span = QUARTER * (hi - lo)
    return x <= lo + span, x >= hi - span


def power(n: int, delta: float, sd: float, alpha: float = ALPHA) -> float:
    """Power of the two-sided one-sample t test with n seeds against a true shift delta at sd."""
    if n < 2:
        return 0.0
    df, nc = n - 1, abs(delta) / sd * math.sqrt(n)
    crit = _st().t.ppf(1 - alpha / 2, df)
    return float(_st().nct.sf(crit, df, nc) + _st().nct.cdf(-crit, df, nc))


def seeds_for_power(delta: float, sd: float, target: float = POWER, alpha: float = ALPHA) -> float:
    """The smallest n (>= 2) with power >= target at |delta| and sd (inf if never, NaN if unknown); the raw
    count, before the MIN_SEEDS floor."""
    if math.isnan(delta) or math.isnan(sd):
        return math.nan
    if sd == 0:
        return 2.0 if delta != 0 else math.inf
    if delta == 0:
        return math.inf
    z = _st().norm.ppf(1 - alpha / 2) + _st().norm.ppf(target)
    ratio = float(z) * sd / abs(delta)  # inf for a distance far below the sd's resolution (e.g. a 1e-300 difference)
    if not ratio * ratio <= MAX_SEEDS_NEEDED:  # also catches inf (and its square's overflow, never computed)
        return math.inf
    n = max(2, int(math.floor(ratio * ratio)))  # the normal approximation is a lower bound
    while power(n, delta, sd, alpha) < target:
        n += 1
        if n > MAX_SEEDS_NEEDED:
            return math.inf
    return float(n)


def seeds_needed(delta: float, sd: float, target: float = POWER, alpha: float = ALPHA) -> float:
    """Seeds to decide a distance `delta` from the threshold at sd: seeds_for_power, never below MIN_SEEDS."""
    n = seeds_for_power(delta, sd, target, alpha)
    return n if math.isnan(n) else max(float(MIN_SEEDS), n)


def sd_interval(sd: float, n: int, alpha: float = ALPHA) -> tuple[float, float]:
    """The (1 - alpha) chi-square interval of a normal sd estimated from n values."""
    if n < 2 or math.isnan(sd):
        return math.nan, math.nan
    df = n - 1
    return (sd * math.sqrt(df / _st().chi2.ppf(1 - alpha / 2, df)), sd * math.sqrt(df / _st().chi2.ppf(alpha / 2, df)))


@dataclass(frozen=True)
class SeedsNeeded:
    """Seeds for power 0.8 at the observed mean and sd; `low`/`high` at the ends of the sd's own interval."""
    reproduce: float  # the observed mean on the claimed side: seeds for the interval to clear the threshold
    contradict: float  # the observed mean on the other side: seeds for the interval to exclude the claim
    low: float
    high: float
    alpha: float  # the level used (the BH level of the preset's family, or the nominal one)

    @property
    def point(self) -> float:
        """The finite one of reproduce / contradict (NaN when the sd is unknown)."""
        finite = [v for v in (self.reproduce, self.contradict) if not math.isinf(v)]
        if math.isnan(self.reproduce) or math.isnan(self.contradict):
            return math.nan
        return finite[0] if finite else math.inf

    def text(self) -> str:
        if math.isnan(self.point):
            return "-"
        which = "reproduce" if not math.isinf(self.reproduce) else "contradict"
        if math.isinf(self.point):
            return "inf (the mean sits on the threshold)"
        return f"{fmt_n(self.point)} to {which} ({fmt_n(self.low)}-{fmt_n(self.high)})"


def fmt_n(n: float) -> str:
    return "-" if math.isnan(n) else "inf" if math.isinf(n) else f"{int(n)}"


def seeds_needed_for(mean: float, sd: float, n: int, threshold: float, side: str = "above",
                     alpha: float = ALPHA) -> SeedsNeeded:
    """Seeds to reproduce and to contradict the claim "effect >= threshold" (side 'above') or "<=" ('below'),
    at the level `alpha` (pass the BH level of the family: bh_level), with the range from the sd's interval."""
    delta = mean - threshold
    if math.isnan(delta) or math.isnan(sd):
        return SeedsNeeded(math.nan, math.nan, math.nan, math.nan, alpha)
    need = seeds_needed(delta, sd, alpha=alpha)
    sd_lo, sd_hi = sd_interval(sd, n, alpha=ALPHA)
    low = seeds_needed(delta, sd_lo, alpha=alpha) if not math.isnan(sd_lo) else need
    high = seeds_needed(delta, sd_hi, alpha=alpha) if not math.isnan(sd_hi) else need
    claimed = delta > 0 if side == "above" else delta < 0
    if delta == 0:
        return SeedsNeeded(math.inf, math.inf, low, high, alpha)
    return SeedsNeeded(need if claimed else math.inf, math.inf if claimed else need, low, high, alpha)


def binomial_interval(events: int, n: int, alpha: float = ALPHA) -> tuple[float, float]:
    """Clopper-Pearson (exact) two-sided (1 - alpha) interval of an event rate: k events in n seeds. For a
    claim stated as a rate ("the ViT collapses in most seeds"): with 5 seeds, 5 of 5 gives [0.48, 1]."""
    if n <= 0:
        return math.nan, math.nan
    lo = 0.0 if events == 0 else float(_st().beta.ppf(alpha / 2, events, n - events + 1))
    hi = 1.0 if events == n else float(_st().beta.ppf(1 - alpha / 2, events + 1, n - events))
    return lo, hi


def bh_level(n_rejected: int, family_size: int, q: float = ALPHA) -> float:
    """The two-sided level a further claim must reach to be decided in a Benjamini-Hochberg family of
    `family_size` claims of which `n_rejected` are decided: q (n_rejected + 1) / m (the step-up rule)."""
    if family_size <= 0:
        return q
    return q * min(family_size, n_rejected + 1) / family_size
