"""Comparator semantics on tables the tests write: per-seed effects, paired seeds, the seed rule,
exact checks on the deterministic theory table, missing evidence."""
import numpy as np
import pandas as pd
import pytest

from pc_helpers import curve_table
from paper_checks import FAILS, HOLDS, NOT_RESOLVED, OPPOSITE, REPRODUCED, SMALLER, UNDERPOWERED
from paper_checks.checker import Context
from paper_checks.comparators import COMPARATORS, EvidenceMissing

SIX = tuple(range(6))
NOISE = [0.003, -0.002, 0.001, -0.003, 0.002, -0.001]  # a per-seed offset, so seeds are not identical


def ctx_with(root, **tables):
    for name, df in tables.items():
        df.to_csv(root / "results/small/figures" / f"{name}.csv", index=False)
    return Context("small", root=root)


def run(ctx, **check):
    return COMPARATORS[check["comparator"]](ctx, check)


def test_trend_per_seed_effects_and_the_seed_rule(root):
    t = curve_table({("mlp", "symptom", "dead_fraction"): lambda s, k: 0.1 + s / 1000 * (1 + NOISE[k] * 10),
                     ("cnn", "symptom", "dead_fraction"): lambda s, k: 0.5 - s / 1000 + NOISE[k],
                     ("vit", "symptom", "dead_fraction"): lambda s, k: 0.3 + (0.2 if k % 2 else -0.2) * (s > 200)},
                    seeds=SIX)
    ctx = ctx_with(root, fig3_1=t)
    up = dict(comparator="trend", table="fig3_1", direction="up", min_change=0.02)
    out = run(ctx, **up, where={"arch": "mlp"})
    assert out.verdict == REPRODUCED and out.effect.n == 6 and out.n_seeds == 6
    # the effect is per seed: last-quarter mean minus first-quarter mean of each seed's own curve
    steps = np.arange(20, 420, 20)
    first, last = steps[steps <= 20 + 0.25 * 380], steps[steps >= 400 - 0.25 * 380]
    want = [(last.mean() - first.mean()) / 1000 * (1 + NOISE[k] * 10) for k in SIX]
    np.testing.assert_allclose(out.effect.values, want, rtol=1e-9)
    assert run(ctx, **up, where={"arch": "cnn"}).verdict == OPPOSITE  # it falls: the other side of no change
    assert run(ctx, **{**up, "direction": "down"}, where={"arch": "cnn"}).verdict == REPRODUCED
    # seeds moving in opposite directions: the interval straddles 0 -> not resolved, with a seeds-needed figure
    vit = run(ctx, **{**up, "min_change": 0.0}, where={"arch": "vit"})
    assert vit.verdict == NOT_RESOLVED
    # two seeds of the same clear rise: underpowered, never reproduced
    ctx2 = ctx_with(root, fig3_1=curve_table({("mlp", "symptom", "d"): lambda s, k: 0.1 + s / 1000 + 0.001 * k}))
    two = run(ctx2, **up, where={"arch": "mlp"})
    assert two.verdict == UNDERPOWERED and two.effect.n == 2 and two.effect.seeds_needed >= 2


def test_missing_table_rows_and_threshold(root):
    ctx = ctx_with(root, fig3_1=curve_table({("mlp", "symptom", "dead_fraction"): lambda s, k: 0.1}))
    with pytest.raises(EvidenceMissing):
        run(ctx, comparator="trend", table="fig3_2", where={"arch": "mlp"}, min_change=0.0)
    with pytest.raises(EvidenceMissing):
        run(ctx, comparator="trend", table="fig3_1", where={"arch": "resnet"}, min_change=0.0)
    with pytest.raises(EvidenceMissing):
        run(ctx, comparator="trend", table="fig3_1", where={"nosuchcolumn": 1}, min_change=0.0)
    with pytest.raises(ValueError, match="min_change"):  # no threshold: a defect of the claim, not a verdict
        run(ctx, comparator="trend", table="fig3_1", where={"arch": "mlp"})


def test_greater_pairs_seeds_by_name(root):
    # b = a - 0.01 in each seed, but the seeds themselves differ by 1.0: paired differences are tight
    t = curve_table({("mlp", "rank", "a"): lambda s, k: 10.0 + k + NOISE[k] / 10,
                     ("mlp", "rank", "b"): lambda s, k: 9.99 + k}, seeds=SIX)
    ctx = ctx_with(root, fig4_1=t)
    g = dict(comparator="greater", table="fig4_1", where={"arch": "mlp"})
    assert run(ctx, **g, where_a={"metric": "a"}, where_b={"metric": "b"}, margin=0.005).verdict == REPRODUCED
    assert run(ctx, **g, where_a={"metric": "b"}, where_b={"metric": "a"}, margin=0.0).verdict == OPPOSITE
    # a margin larger than the effect: contradicted (the interval lies below the threshold)
    assert run(ctx, **g, where_a={"metric": "a"}, where_b={"metric": "b"}, margin=0.05).verdict == SMALLER
    # seeds are paired by name: drop seed0 from b only, the pairs stay (seed k with seed k)
    t2 = t.copy()
    t2.loc[t2["metric"] == "b", "seed0"] = np.nan
    out = run(ctx_with(root, fig4_1=t2), **g, where_a={"metric": "a"}, where_b={"metric": "b"}, margin=0.005)
    assert out.effect.n == 5 and out.verdict == REPRODUCED


def _bars(phases, seeds=SIX):
    rows = []
    for ph, widths in phases.items():
        for w, m in widths:
            row = {"switch": 0.5, "width": w, "phase": ph, "metric": "duplicate_fraction", "mean": m, "std": 0.001,
                   "n_seeds": len(seeds)}
            row.update({f"seed{k}": m + NOISE[k] / 10 for k in seeds})
            rows.append(row)
    return pd.DataFrame(rows)


def test_bound_and_monotone_per_seed(root):
    t = _bars({"sgd": [(5, 0.0), (10, 0.0), (50, 0.01), (100, 0.03)], "cbp": [(5, 0.05), (10, 0.0), (50, 0.01), (100, 0.0)]})
    ctx = ctx_with(root, figB_2=t)
    mono = dict(comparator="monotone", table="figB_2", key="width", direction="up", min_change=0.01)
    assert run(ctx, **mono, where={"phase": "sgd"}).verdict == REPRODUCED
    assert run(ctx, **mono, where={"phase": "cbp"}).verdict == OPPOSITE
    b = dict(comparator="bound", table="figB_2", where={"phase": "sgd"})
    assert run(ctx, **b, stat="max", at_most=0.05).verdict == REPRODUCED
    assert run(ctx, **b, stat="max", at_most=0.02).verdict == OPPOSITE
    assert run(ctx, **b, stat="min", at_least=-0.01).verdict == REPRODUCED
    with pytest.raises(ValueError, match="exactly one"):
        run(ctx, **b, stat="max", at_most=0.05, at_least=0.0)
    # a non-monotone middle step beyond tol: the total rise alone does not reproduce the ordering
    t3 = _bars({"sgd": [(5, 0.0), (10, 0.08), (50, 0.01), (100, 0.03)]})
    out = run(ctx_with(root, figB_2=t3), **mono, where={"phase": "sgd"}, tol=0.01)
    assert out.verdict == NOT_RESOLVED and "wrong way" in out.measured


def test_exact_checks_on_the_theory_table(root):
    (root / "results/theory").mkdir(parents=True)
    pd.DataFrame({"activation": ["relu", "tanh"], "modulation": "base", "x": [0.0, 0.1778], "y": [0.4669, 0.1778]}
                 ).to_csv(root / "results/theory/activations.csv", index=False)
    ctx = Context("small", root=root)
    c = dict(comparator="values_close", table="theory/activations", key="activation", columns=["x", "y"], atol=5e-5)
    assert run(ctx, **c, expected={"relu": 0.4669, "tanh": 0.1778}).verdict == HOLDS
    out = run(ctx, **c, expected={"relu": 0.5, "tanh": 0.1778})
    assert out.verdict == FAILS and "relu" in out.measured
    b = dict(comparator="bound", table="theory/activations", where={"activation": "relu"}, value="y", stat="max")
    assert run(ctx, **b, at_most=0.5).verdict == HOLDS and run(ctx, **b, at_most=0.4).verdict == FAILS


def test_config_comparator_reads_resolved_presets(root):
    ctx = Context("small", root=root)
    ok = run(ctx, comparator="config", items=[{"preset": "paper", "key": "continual.lr.vit", "equals": 1e-4},
                                              {"preset": "upstream", "key": "cloning.momentum", "equals": 0.9},
                                              {"key": "continual.archs", "equals": ["mlp", "cnn", "resnet", "vit"]}])
    assert ok.verdict == HOLDS
    bad = run(ctx, comparator="config", items=[{"preset": "paper", "key": "continual.steps_per_task", "equals": 501}])
    assert bad.verdict == FAILS and "501" in bad.measured
    with pytest.raises(EvidenceMissing):
        run(ctx, comparator="config", items=[{"key": "continual.nokey", "equals": 1}])


def test_close_per_seed(root):
    t = curve_table({("mlp", "rank", "clone"): lambda s, k: 75.0 + k + NOISE[k],
                     ("mlp", "rank", "base"): lambda s, k: 74.0 + k}, seeds=SIX)
    ctx = ctx_with(root, fig2_1=t)
    c = dict(comparator="close", table="fig2_1", where={"arch": "mlp"}, where_a={"metric": "clone"}, where_b={"metric": "base"})
    assert run(ctx, **c, rtol=0.05).verdict == REPRODUCED
    assert run(ctx, **c, rtol=0.005).verdict == OPPOSITE  # "agree within 0.5%": they do not


def test_correlation_of_seed_means_has_no_interval(root):
    rows = [{"arch": "mlp", "variant": "none", "step": s, "frozen_fraction": s / 100, "accuracy": 1 - s / 100,
             "n_seeds": 6} for s in range(10)]
    ctx = ctx_with(root, figB_4=pd.DataFrame(rows))
    out = run(ctx, comparator="correlation", table="figB_4", where={"arch": "mlp"}, x="frozen_fraction", y="accuracy",
              max_rho=-0.5)
    assert out.verdict == NOT_RESOLVED and out.effect is None and "no interval" in out.measured


def test_correlation_per_seed_from_each_seeds_own_points(root):
    """B.4's scatter holds every seed's x and y (`<col>_seed<k>`): rho is computed per seed, with an interval."""
    rows = []
    for s in range(10):
        row = {"arch": "mlp", "variant": "none", "step": s, "frozen_fraction": s / 100, "accuracy": 1 - s / 100,
               "n_seeds": 6}
        for k in SIX:  # seed 0 has one swapped pair, so not every seed's rho is -1
            x = s / 100 + k / 1000
            row[f"frozen_fraction_seed{k}"] = x
            row[f"accuracy_seed{k}"] = 1 - x + (0.05 if (k == 0 and s in (3, 4)) and s == 3 else 0)
        rows.append(row)
    ctx = ctx_with(root, figB_4=pd.DataFrame(rows))
    out = run(ctx, comparator="correlation", table="figB_4", where={"arch": "mlp"}, x="frozen_fraction", y="accuracy",
              max_rho=-0.5)
    assert out.effect is not None and out.effect.n == 6 and out.verdict == REPRODUCED
    assert out.effect.values[0] > -1 and np.allclose(out.effect.values[1:], -1)


def test_log_scale_judges_decades_not_the_largest_seed(root):
    """1 - R^2 spans decades: on a linear scale one seed at 1e-1 carries the mean; in decades the per-seed
    escape at 1e-3 .. 1e-1 is decided as the paper's log axes show it."""
    ends = [1e-1, 2e-3, 5e-3, 3e-3, 1e-2, 4e-3]
    t = curve_table({("mlp", "escape", "one_minus_r2_forward"): lambda s, k: ends[k] * s / 400}, seeds=SIX)
    ctx = ctx_with(root, fig2_1=t)
    b = dict(comparator="bound", table="fig2_1", where={"arch": "mlp"}, stat="last", at_least=1e-3)
    assert run(ctx, **b).verdict == NOT_RESOLVED  # linear: the 1e-1 seed widens the interval across 1e-3
    out = run(ctx, **b, scale="log10")
    assert out.verdict == REPRODUCED and out.effect.threshold == -3.0
    np.testing.assert_allclose(out.effect.values, np.log10(ends))


def test_relative_margin_is_a_fraction_of_the_other_series(root):
    """`relative: true`: (A - B) / |B| per seed, so a rank gap is judged against the rank's own range."""
    t = curve_table({("mlp", "rank", "a"): lambda s, k: 10.6 + NOISE[k], ("mlp", "rank", "b"): lambda s, k: 10.0},
                    seeds=SIX)
    ctx = ctx_with(root, fig4_1=t)
    g = dict(comparator="greater", table="fig4_1", where={"arch": "mlp"}, where_a={"metric": "a"},
             where_b={"metric": "b"})
    out = run(ctx, **g, margin=0.05, relative=True)
    assert out.verdict == REPRODUCED and np.allclose(out.effect.values, [(0.6 + x) / 10 for x in NOISE])
    assert run(ctx, **g, margin=1.0).verdict == SMALLER  # 0.6 dimensions: short of one absolute dimension


def test_a_relative_change_from_zero_has_no_effect_and_gives_no_help(root):
    """A seed whose B is exactly 0 (a width-5 layer with every unit dead: rank 0) has no relative effect: it is
    not a 1e300 outlier that blows the interval up, but a seed without a value, set at the threshold."""
    b = [10.0, 0.0, 10.0, 10.0, 10.0, 10.0]
    t = curve_table({("mlp", "rank", "a"): lambda s, k: 20.0 + NOISE[k], ("mlp", "rank", "b"): lambda s, k: b[k]},
                    seeds=SIX)
    g = dict(comparator="greater", table="fig4_1", where={"arch": "mlp"}, where_a={"metric": "a"},
             where_b={"metric": "b"}, margin=0.05, relative=True)
    out = run(ctx_with(root, fig4_1=t), **g)
    assert out.effect.missing == ["seed1"] and out.effect.n == 5 and np.isfinite(out.effect.ci_high)
    assert out.verdict == REPRODUCED and "a change relative to 0" in out.measured


def test_a_configured_seed_without_a_column_is_diverged_not_absent(root):
    """The small preset configures continual seeds 0 and 1; a table with only seed0 has seed1 diverged."""
    t = curve_table({("mlp", "symptom", "dead_fraction"): lambda s, k: 0.1 + s / 1000}, seeds=(0,))
    out = run(ctx_with(root, fig3_1=t), comparator="trend", table="fig3_1", where={"arch": "mlp"}, direction="up",
              min_change=0.02)
    assert out.effect.seeds == ["seed0"] and out.effect.missing == ["seed1"] and "seed1" in out.measured
