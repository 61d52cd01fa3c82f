"""Comparator semantics on tables the tests write: verdicts, the noise rule, missing evidence."""
import math

import numpy as np
import pandas as pd
import pytest

from pc_helpers import curve_table
from paper_checks import CONTRADICTED, INCONCLUSIVE, SUPPORTED
from paper_checks.checker import Context
from paper_checks.comparators import COMPARATORS, EvidenceMissing, combine, decide


def ctx_with(root, **tables):
    for name, df in tables.items():
        df.to_csv(root / "results/small/figures" / f"{name}.csv", index=False)
    return Context("small", root=root)


def run(ctx, **check):
    return COMPARATORS[check["comparator"]](ctx, check)


def test_decide_noise_rule():
    assert decide(0.3, 0.05, 0.02) == SUPPORTED
    assert decide(0.3, 0.5, 0.02) == INCONCLUSIVE  # effect inside the seed-noise band
    assert decide(-0.3, 0.05, 0.0) == CONTRADICTED
    assert decide(0.0, 0.0, 0.02) == CONTRADICTED  # flat: even the band's top misses the threshold
    assert decide(0.01, 0.0, 0.02) == CONTRADICTED
    assert decide(float("nan"), 0.0, 0.0) == INCONCLUSIVE


def test_trend_up_down_and_noise(root):
    t = curve_table({("mlp", "symptom", "dead_fraction"): lambda s, k: 0.1 + s / 1000 + 0.001 * k,
                     ("cnn", "symptom", "dead_fraction"): lambda s, k: 0.5 - s / 1000,
                     ("vit", "symptom", "dead_fraction"): lambda s, k: 0.3 + (0.2 if k else -0.2) * (s > 200)})
    ctx = ctx_with(root, fig3_1=t)
    up = dict(comparator="trend", table="fig3_1", direction="up", min_change=0.02)
    assert run(ctx, **up, where={"arch": "mlp"}).verdict == SUPPORTED
    assert run(ctx, **up, where={"arch": "cnn"}).verdict == CONTRADICTED
    assert run(ctx, **{**up, "direction": "down"}, where={"arch": "cnn"}).verdict == SUPPORTED
    # the two seeds move in opposite directions: mean change 0, band wide -> not supported, not contradicted
    assert run(ctx, **{**up, "min_change": 0.0}, where={"arch": "vit"}).verdict == INCONCLUSIVE
    out = run(ctx, **up, where={"arch": "mlp"})
    assert "->" in out.measured and "fig3_1" in out.evidence


def test_missing_table_and_rows_are_evidence_missing(root):
    ctx = ctx_with(root, fig3_1=curve_table({("mlp", "symptom", "dead_fraction"): lambda s, k: 0.1}))
    with pytest.raises(EvidenceMissing):
        run(ctx, comparator="trend", table="fig3_2", where={"arch": "mlp"})
    with pytest.raises(EvidenceMissing):
        run(ctx, comparator="trend", table="fig3_1", where={"arch": "resnet"})
    with pytest.raises(EvidenceMissing):
        run(ctx, comparator="trend", table="fig3_1", where={"nosuchcolumn": 1})


def test_greater_pairs_seeds(root):
    # b = a - 0.01 in each seed, but the seeds themselves differ by 1.0: paired differences are exact
    t = curve_table({("mlp", "rank", "a"): lambda s, k: 10.0 + k, ("mlp", "rank", "b"): lambda s, k: 9.99 + k})
    ctx = ctx_with(root, fig4_1=t)
    out = run(ctx, comparator="greater", table="fig4_1", where={"arch": "mlp"}, where_a={"metric": "a"},
              where_b={"metric": "b"})
    assert out.verdict == SUPPORTED
    out = run(ctx, comparator="greater", table="fig4_1", where={"arch": "mlp"}, where_a={"metric": "b"},
              where_b={"metric": "a"})
    assert out.verdict == CONTRADICTED


def test_bound_and_monotone(root):
    rows = [{"switch": 0.5, "width": w, "phase": ph, "metric": "duplicate_fraction", "mean": m, "std": 0.001, "n_seeds": 2}
            for w, m in ((5, 0.0), (10, 0.0), (50, 0.01), (100, 0.03)) for ph in ("sgd",)]
    rows += [{"switch": 0.5, "width": w, "phase": "cbp", "metric": "duplicate_fraction", "mean": m, "std": 0.001,
              "n_seeds": 2} for w, m in ((5, 0.05), (10, 0.0), (50, 0.01), (100, 0.0))]
    ctx = ctx_with(root, figB_2=pd.DataFrame(rows))
    mono = dict(comparator="monotone", table="figB_2", key="width", direction="up", min_change=0.01)
    assert run(ctx, **mono, where={"phase": "sgd"}).verdict == SUPPORTED
    assert run(ctx, **mono, where={"phase": "cbp"}).verdict == CONTRADICTED
    b = dict(comparator="bound", table="figB_2", where={"phase": "sgd"})
    assert run(ctx, **b, stat="max", at_most=0.05).verdict == SUPPORTED
    assert run(ctx, **b, stat="max", at_most=0.02).verdict == CONTRADICTED
    assert run(ctx, **b, stat="min", at_least=0.0).verdict == SUPPORTED


def test_values_close_any_column(root):
    (root / "results/theory").mkdir(parents=True)
    pd.DataFrame({"activation": ["relu", "tanh"], "modulation": "base", "x": [0.0, 0.1778], "y": [0.4669, 0.1778]}
                 ).to_csv(root / "results/theory/activations.csv", index=False)
    ctx = Context("small", root=root)
    c = dict(comparator="values_close", table="theory/activations", key="activation", columns=["x", "y"], atol=5e-5)
    assert run(ctx, **c, expected={"relu": 0.4669, "tanh": 0.1778}).verdict == SUPPORTED
    out = run(ctx, **c, expected={"relu": 0.5, "tanh": 0.1778})
    assert out.verdict == CONTRADICTED and "relu" in out.measured


def test_config_comparator_reads_resolved_presets(root):
    ctx = Context("small", root=root)
    ok = run(ctx, comparator="config", items=[{"preset": "paper", "key": "continual.lr.vit", "equals": 1e-4},
                                              {"preset": "upstream", "key": "cloning.momentum", "equals": 0.9},
                                              {"key": "continual.archs", "equals": ["mlp", "cnn", "resnet", "vit"]}])
    assert ok.verdict == SUPPORTED
    bad = run(ctx, comparator="config", items=[{"preset": "paper", "key": "continual.steps_per_task", "equals": 501}])
    assert bad.verdict == CONTRADICTED and "501" in bad.measured
    with pytest.raises(EvidenceMissing):
        run(ctx, comparator="config", items=[{"key": "continual.nokey", "equals": 1}])


def test_source_constant(root):
    (root / "m.py").write_text("FLAG = True\n\ndef band(ax, m, s):\n    ax.fill(m - s, m + s)\n")
    ctx = Context("small", root=root)
    assert run(ctx, comparator="source_constant", file="m.py", name="FLAG", equals=True).verdict == SUPPORTED
    assert run(ctx, comparator="source_constant", file="m.py", name="FLAG", equals=False).verdict == CONTRADICTED
    assert run(ctx, comparator="source_constant", file="m.py", function="band", contains="m - s").verdict == SUPPORTED


def test_std_is_seed_std(root):
    t = curve_table({("mlp", "symptom", "dead_fraction"): lambda s, k: 0.1 * k + s / 1000})
    ctx = ctx_with(root, fig3_1=t)
    assert run(ctx, comparator="std_is_seed_std").verdict == SUPPORTED
    t["std"] = t["std"] * 1.96  # a 95% CI half-width is not the std
    ctx = ctx_with(root, fig3_1=t)
    assert run(ctx, comparator="std_is_seed_std").verdict == CONTRADICTED


def test_combine():
    assert combine([SUPPORTED, SUPPORTED]) == SUPPORTED
    assert combine([SUPPORTED, CONTRADICTED]) == CONTRADICTED
    assert combine([SUPPORTED, "not run"]) == "not run"
    assert combine([SUPPORTED, INCONCLUSIVE]) == INCONCLUSIVE
    assert combine([CONTRADICTED, SUPPORTED], "any") == SUPPORTED
    assert combine([CONTRADICTED, CONTRADICTED], "any") == CONTRADICTED


def test_close(root):
    t = curve_table({("mlp", "rank", "clone"): lambda s, k: 75.0 + k, ("mlp", "rank", "base"): lambda s, k: 74.0 + k})
    ctx = ctx_with(root, fig2_1=t)
    c = dict(comparator="close", table="fig2_1", where={"arch": "mlp"}, where_a={"metric": "clone"}, where_b={"metric": "base"})
    assert run(ctx, **c, rtol=0.05).verdict == SUPPORTED
    assert run(ctx, **c, rtol=0.005).verdict == CONTRADICTED
