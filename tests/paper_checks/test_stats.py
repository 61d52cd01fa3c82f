"""The verdict engine (paper_checks.stats): intervals, the seed rule, power, Benjamini-Hochberg.

Checked against closed forms and against simulation (the verdict rule's false-verdict rate under no
effect, the power at `seeds_needed`), not against the implementation's own numbers."""
import math

import numpy as np
import pytest
from scipy import stats as st

from lop.stats import seeds_for_power
from paper_checks.stats import (MIN_SEEDS, NOT_RESOLVED, NOT_RUN, OPPOSITE, REPRODUCED, SMALLER, UNDERPOWERED, Effect,
                                benjamini_hochberg, corrected, power, seeds_needed, t_interval)


def test_t_interval_has_n_minus_1_degrees_of_freedom():
    v = np.array([1.0, 2.0, 4.0])
    lo, hi = t_interval(v)
    half = st.t.ppf(0.975, 2) * np.std(v, ddof=1) / math.sqrt(3)  # df = n - 1 = 2 (4.303; a normal would be 1.96)
    assert lo == pytest.approx(v.mean() - half, rel=1e-12) and hi == pytest.approx(v.mean() + half, rel=1e-12)
    # two seeds: the interval is 12.706 / 1.96 = 6.48x wider than a normal one (the old "2 se" rule)
    lo2, hi2 = t_interval([0.0, 1.0])
    assert (hi2 - lo2) / (2 * 1.959964 * np.std([0, 1], ddof=1) / math.sqrt(2)) == pytest.approx(6.48, abs=0.01)
    assert all(math.isnan(x) for x in t_interval([1.0]))


def test_the_seed_rule_and_the_vocabulary():
    assert Effect([], 0.0).raw_verdict() == NOT_RUN
    assert Effect([5.0, 5.1], 0.0).raw_verdict() == UNDERPOWERED  # huge effect, two seeds: still no verdict
    one = Effect([5.0], 0.0)
    assert one.raw_verdict() == UNDERPOWERED and math.isnan(one.seeds_needed)  # no sd from one seed
    up = Effect([1.0, 1.1, 0.9, 1.05, 0.95], 0.5)
    assert up.n == MIN_SEEDS and up.raw_verdict() == REPRODUCED
    # right direction, short of the threshold vs the other side of no effect
    assert Effect([1.0, 1.1, 0.9, 1.05, 0.95], 1.5).raw_verdict() == SMALLER
    assert Effect([-1.0, -1.1, -0.9, -1.05, -0.95], 0.5).raw_verdict() == OPPOSITE
    straddle = Effect([0.0, 1.0, -1.0, 0.5, 0.2], 0.1)
    assert straddle.raw_verdict() == NOT_RESOLVED and straddle.seeds_needed > MIN_SEEDS
    # "below" claims (close, at_most): the same interval, the other side
    assert Effect([0.01, 0.02, 0.015, 0.01, 0.02], 0.05, side="below").raw_verdict() == REPRODUCED
    # a bound without a "no effect" reference (at_most, close): past the bound is the claim's opposite
    assert Effect([0.01, 0.02, 0.015, 0.01, 0.02], 0.001, side="below", null=None).raw_verdict() == OPPOSITE
    assert Effect([1.0, np.nan, 1.1], 0.0).n == 2  # a seed without a value is not a seed


def test_no_effect_gives_few_false_verdicts():
    """Under a true effect exactly at the threshold, 'reproduced' must come up at most ~2.5% of the time
    (one side of a 95% interval); the old mean > 2 sd / sqrt(n) rule at 2 seeds said 'supported' ~15%."""
    rng = np.random.default_rng(1)
    draws = rng.normal(0.0, 1.0, size=(2000, 5))
    rate = np.mean([Effect(d, 0.0).raw_verdict() == REPRODUCED for d in draws])
    assert rate == pytest.approx(0.025, abs=0.011)


@pytest.mark.parametrize("delta, sd", [(1.0, 1.0), (0.3, 1.0), (1.0, 0.4)])
def test_seeds_needed_reaches_power_0_8(delta, sd):
    n = int(seeds_for_power(delta, sd))
    assert seeds_needed(delta, sd) == max(MIN_SEEDS, n)  # never below the seed rule
    assert power(n, delta, sd) >= 0.8 and (n == 2 or power(n - 1, delta, sd) < 0.8)  # the smallest such n
    # simulation: a two-sided one-sample t test at n seeds rejects ~80% of the time
    rng = np.random.default_rng(2)
    x = rng.normal(delta, sd, size=(6000, n))
    p = st.ttest_1samp(x, 0.0, axis=1).pvalue
    assert np.mean(p < 0.05) == pytest.approx(power(n, delta, sd), abs=0.02)


def test_seeds_needed_edge_cases():
    assert math.isinf(seeds_needed(0.0, 1.0))
    assert math.isinf(seeds_needed(1e-9, 1.0))  # beyond MAX_SEEDS_NEEDED
    assert seeds_needed(1.0, 0.0) == MIN_SEEDS and seeds_for_power(1.0, 0.0) == 2.0
    assert math.isnan(seeds_needed(1.0, math.nan))


def test_benjamini_hochberg_by_hand():
    adj = benjamini_hochberg([0.01, 0.04, 0.03, 0.005, math.nan])
    assert adj[:4] == pytest.approx([0.02, 0.04, 0.04, 0.02]) and math.isnan(adj[4])


def test_correction_turns_marginal_decisions_into_not_resolved():
    verdicts = [REPRODUCED, REPRODUCED, OPPOSITE, UNDERPOWERED, NOT_RESOLVED]
    pvals = [0.001, 0.04, 0.002, 0.001, 0.5]  # the underpowered claim counts in the family with p = 1
    out, adj, expected = corrected(verdicts, pvals)
    assert out == [REPRODUCED, NOT_RESOLVED, OPPOSITE, UNDERPOWERED, NOT_RESOLVED]
    assert adj[3] == 1.0 and adj[1] == pytest.approx(0.04 * 5 / 3)
    assert expected == pytest.approx(0.05 * 2)


def test_the_family_does_not_shrink_with_missing_evidence():
    """A member without evidence is p = 1, not absent: adding not-run members changes no member's m."""
    base, _, _ = corrected([REPRODUCED] * 3, [0.01, 0.02, 0.03])
    more, adj, _ = corrected([REPRODUCED] * 3 + [NOT_RUN] * 5, [0.01, 0.02, 0.03] + [math.nan] * 5)
    assert adj[0] == pytest.approx(0.01 * 8)  # m = 8, the family's size, not the 3 with evidence
    assert base == [REPRODUCED] * 3 and more[:3] == [NOT_RESOLVED] * 3


def test_diverged_seeds_are_counted_named_and_never_silently_dropped():
    """The rule (paper_checks.stats): decide on the used seeds only if the verdict survives every diverged
    seed set at the threshold; else not resolved."""
    ids = [f"seed{k}" for k in range(6)]
    tight = [1.0, 1.02, 0.98, 1.01, 0.99, math.nan]
    e = Effect(tight, 0.5, seeds=ids)
    assert e.n == 5 and e.missing == ["seed5"] and e.seeds == ids[:5]
    assert e.raw_verdict() == REPRODUCED and "seed5" in e.diverged_text()  # survives a seed at 0.5
    # a marginal interval: reproduced on the 5 used seeds, but two diverged seeds at the threshold break it
    wide = [0.672, 0.482, 0.592, 0.722, 0.632, math.nan, math.nan]
    assert Effect(wide[:5], 0.5).raw_verdict() == REPRODUCED
    e = Effect(wide, 0.5, seeds=ids + ["seed6"])
    assert e.raw_verdict() == NOT_RESOLVED and e.missing == ["seed5", "seed6"]
    # fewer than MIN_SEEDS used seeds: underpowered, whatever diverged
    assert Effect([1.0, 1.0, 1.0, 1.0, math.nan, math.nan], 0.5, seeds=ids).raw_verdict() == UNDERPOWERED
