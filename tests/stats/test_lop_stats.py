"""lop.stats, the project's one statistics module: the t interval, the quarter windows, the seed rule and
seeds to reproduce / to contradict, checked against closed forms and simulation."""
import math

import numpy as np
import pytest
from scipy import stats as st

from lop.stats import (MIN_SEEDS, bh_level, power, quarter_masks, sd_interval, seeds_for_power, seeds_needed,
                       seeds_needed_for, t_interval)


def test_quarter_masks_are_the_first_and_last_quarter_of_the_x_range():
    first, last = quarter_masks(np.arange(10, 100, 10))  # 10..90: span 20 -> <= 30 and >= 70
    assert list(np.flatnonzero(first)) == [0, 1, 2] and list(np.flatnonzero(last)) == [6, 7, 8]


def test_interval_ignores_missing_values_and_needs_two():
    lo, hi = t_interval([1.0, 2.0, 4.0, math.nan])
    half = st.t.ppf(0.975, 2) * np.std([1, 2, 4], ddof=1) / math.sqrt(3)
    assert lo == pytest.approx(7 / 3 - half) and hi == pytest.approx(7 / 3 + half)
    assert all(math.isnan(x) for x in t_interval([1.0]))


def test_seeds_needed_is_never_below_the_seed_rule():
    assert seeds_for_power(10.0, 1.0) < MIN_SEEDS and seeds_needed(10.0, 1.0) == MIN_SEEDS
    n = seeds_needed(0.3, 1.0)
    assert n > MIN_SEEDS and power(int(n), 0.3, 1.0) >= 0.8 > power(int(n) - 1, 0.3, 1.0)



@pytest.mark.parametrize("delta, sd", [(1e-320, 1.0), (1e-200, 1e200), (0.1, math.inf)])
def test_a_distance_below_the_sds_resolution_needs_infinitely_many_seeds(delta, sd):
    """Not an OverflowError: the decisive audit once stopped on a 1e300 effect's seeds-needed count."""
    assert seeds_for_power(delta, sd) == math.inf and seeds_needed_for(0.0, sd, 5, -delta).reproduce == math.inf


def test_reproduce_or_contradict_by_the_side_of_the_mean():
    up = seeds_needed_for(mean=0.5, sd=0.3, n=5, threshold=0.2, side="above")
    assert math.isfinite(up.reproduce) and math.isinf(up.contradict) and up.point == up.reproduce
    down = seeds_needed_for(mean=0.1, sd=0.3, n=5, threshold=0.2, side="above")
    assert math.isinf(down.reproduce) and math.isfinite(down.contradict)
    below = seeds_needed_for(mean=0.1, sd=0.3, n=5, threshold=0.2, side="below")  # "at most 0.2": 0.1 agrees
    assert math.isfinite(below.reproduce)
    # the range follows the sd's 95% interval: a larger sd needs more seeds
    assert up.low <= up.point <= up.high and up.low >= MIN_SEEDS
    lo, hi = sd_interval(0.3, 5)
    assert lo < 0.3 < hi and hi / 0.3 == pytest.approx(math.sqrt(4 / st.chi2.ppf(0.025, 4)))


def test_the_family_level_is_stricter_than_the_nominal_one():
    assert bh_level(0, 40) == pytest.approx(0.05 / 40) and bh_level(39, 40) == pytest.approx(0.05)
    strict = seeds_needed_for(0.5, 0.3, 5, 0.2, alpha=bh_level(0, 40))
    nominal = seeds_needed_for(0.5, 0.3, 5, 0.2)
    assert strict.reproduce > nominal.reproduce


def test_binomial_interval_of_an_event_rate():
    from lop.stats import binomial_interval

    lo, hi = binomial_interval(5, 5)
    assert hi == 1.0 and lo == pytest.approx(0.025 ** (1 / 5))  # 5 of 5: P(all 5 | p = lo) = 0.025
    lo, hi = binomial_interval(0, 5)
    assert lo == 0.0 and hi == pytest.approx(1 - 0.025 ** (1 / 5))
    assert all(math.isnan(x) for x in binomial_interval(0, 0))
