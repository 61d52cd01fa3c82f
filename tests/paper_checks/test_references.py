"""The data-level regression: noise within tolerance passes, a real change fails, references change only
through update-references, and missing tables / series are failures."""
import json

import numpy as np
import pandas as pd
import pytest

from pc_helpers import curve_table
from paper_checks import FIGURES
from paper_checks.__main__ import main
from paper_checks.ledger import ledger
from paper_checks.references import compare, update
from paper_checks.tolerance import compare_tables, summarize


def table(shift=0.0, noise=0.0, seed=0, dup_scale=1.0):
    rng = np.random.default_rng(seed)
    jitter = lambda: noise * rng.standard_normal()  # noqa: E731
    return curve_table({
        ("mlp", "symptom", "dead_fraction"): lambda s, k: 0.1 + s / 1000 + 0.02 * k + shift + jitter(),
        ("vit", "symptom", "duplicate_fraction"): lambda s, k: dup_scale * (0.05 + s / 4000 + 0.01 * k) + jitter(),
        ("mlp", "accuracy", "accuracy"): lambda s, k: 0.7 - s / 2000 + 0.03 * k + jitter(),
    })


def test_identical_table_passes_and_every_series_has_three_aggregates():
    t = table()
    s = summarize(t)
    assert set(s.stat) == {"first", "all", "last"} and len(s) == 3 * 3
    assert compare_tables(s, t, "fig3_1") == []


def test_float_noise_and_small_chaotic_drift_pass():
    ref = summarize(table())
    assert compare_tables(ref, table(noise=1e-6, seed=1), "fig3_1") == []  # rounding-level noise
    # chaotic drift: every point moves by ~ the seed-to-seed spread / 4 (a different realisation, same seeds)
    assert compare_tables(ref, table(noise=0.005, seed=2), "fig3_1") == []


def test_a_changed_value_beyond_tolerance_fails():
    ref = summarize(_many_series([0.0] * 6))  # six series, seeds 0.1 apart: pooled sd 0.07 with 6 df
    failures = compare_tables(ref, _many_series([0.0] * 5 + [1.0]), "figB_5")  # one series +1.0 (14 sd)
    assert failures and all("role=l5" in f or "series moved" in f for f in failures)
    assert any("role=l5" in f for f in failures)
    # a metric-definition change that scales one metric family (e.g. a looser duplicate threshold): caught in
    # a figure with several series of that metric (one series with 2 seeds has one degree of freedom)
    ref = summarize(_many_series([0.0] * 6))
    scaled = _many_series([0.0] * 6)
    for col in ("seed0", "seed1", "mean", "std"):
        scaled[col] *= 1.5
    assert compare_tables(ref, scaled, "figB_5")


def test_missing_and_new_series_fail():
    t = table()
    ref = summarize(t)
    assert any("missing" in f for f in compare_tables(ref, t[t.arch != "vit"], "fig3_1"))
    extra = pd.concat([t, t[t.arch == "vit"].assign(arch="cnn")])
    assert any("not in the reference" in f for f in compare_tables(ref, extra, "fig3_1"))


def test_update_references_is_explicit(tmp_path):
    results, refs = tmp_path / "results/small", tmp_path / "refs"
    (results / "figures").mkdir(parents=True)
    table().to_csv(results / "figures/fig3_1.csv", index=False)
    # before any update: compare reports the missing reference (and every other missing figure), writes nothing
    failures = compare(results, refs)
    assert any(f.startswith("fig3_1: no reference") for f in failures) and len(failures) == len(FIGURES)
    assert not refs.exists()
    assert main(["compare", "--preset", "small", "--root", str(tmp_path), "--references", str(refs)]) == 1
    assert not refs.exists()
    # the explicit command writes the reference; the comparison of fig3_1 then passes
    assert main(["update-references", "--preset", "small", "--root", str(tmp_path), "--references", str(refs)]) == 0
    assert (refs / "fig3_1.csv").exists() and json.loads((refs / "fig3_1.json").read_text())["figure"] == "fig3_1"
    assert not [f for f in compare(results, refs) if f.startswith("fig3_1")]
    # a changed table fails and does not touch the reference
    before = (refs / "fig3_1.csv").read_text()
    table(shift=0.2).to_csv(results / "figures/fig3_1.csv", index=False)
    assert [f for f in compare(results, refs) if f.startswith("fig3_1")]
    assert (refs / "fig3_1.csv").read_text() == before
    # a deleted table is a failure too
    (results / "figures/fig3_1.csv").unlink()
    assert any("fig3_1: figure table" in f for f in compare(results, refs))
    with pytest.raises(FileNotFoundError):
        update(results, refs, ["fig3_1"])


def test_bar_and_wide_tables():
    bars = pd.DataFrame([{"switch": 0.5, "width": w, "phase": p, "metric": "loss", "mean": 0.5 / w, "std": 0.01,
                          "n_seeds": 2} for w in (5, 10) for p in ("sgd", "cbp")])
    s = summarize(bars)
    assert set(s.stat) == {"all"} and len(s) == 4 and compare_tables(s, bars, "figB_2") == []
    wide = pd.DataFrame({"arch": "mlp", "variant": "none", "step": [40, 80, 120, 160], "frozen_metric": "dead_fraction",
                         "frozen_fraction": [0.1, 0.2, 0.3, 0.4], "duplicate_fraction": 0.0,
                         "accuracy": [0.5, 0.6, 0.6, 0.5], "n_seeds": 2})
    s = summarize(wide)
    assert set(s.value) == {"frozen_fraction", "duplicate_fraction", "accuracy"}
    moved = wide.assign(frozen_fraction=wide.frozen_fraction + 0.05)
    assert compare_tables(s, moved, "figB_4") and not compare_tables(s, wide, "figB_4")


def test_ledger_from_sidecars_benchmarks_and_run_json(tmp_path):
    res = tmp_path / "results/small"
    run = res / "continual/mlp/none/seed0"
    run.mkdir(parents=True)
    (run / "metrics.parquet").write_bytes(b"")
    (run / "run.json").write_text(json.dumps({"device": "cpu:test", "wall_time_s": 12.0}))
    bench = res / "benchmarks/continual/mlp/none/seed0.tsv"
    bench.parent.mkdir(parents=True)
    bench.write_text("s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
                     "12.5\t0:00:12\t900.0\t1\t1\t1\t0\t0\t1\t12.0\n")
    bf = res / "bitflip/width5/seed0"  # one bit-flip job writes every width: benchmark per seed
    bf.mkdir(parents=True)
    (bf / "metrics.parquet").write_bytes(b"")
    (res / "benchmarks/bitflip").mkdir(parents=True)
    (res / "benchmarks/bitflip/seed0.tsv").write_text(bench.read_text().replace("900.0", "3500.0"))
    (res / "figures").mkdir()
    (res / "figures/fig3_1.json").write_text(json.dumps({"sources": [str((run / "metrics.parquet").relative_to(tmp_path))]}))
    (res / "figures/figB_1.json").write_text(json.dumps({"sources": [str((bf / "metrics.parquet").relative_to(tmp_path))]}))
    # a job per cell (job_group: cell) writes every seed of cloning's mlp/sgd; a job per arch, the vit's grid
    cell_runs = [res / f"cloning/mlp/sgd/seed{k}/metrics.parquet" for k in (0, 1)]
    arch_runs = [res / f"cloning/vit/{v}/seed0/metrics.parquet" for v in ("sgd", "adam")]
    for r in cell_runs + arch_runs:
        r.parent.mkdir(parents=True)
        r.write_bytes(b"")
    for b, wall in (("cloning/mlp/sgd/seeds.tsv", "20.0"), ("cloning/vit/all.tsv", "30.0")):
        (res / "benchmarks" / b).parent.mkdir(parents=True, exist_ok=True)
        (res / "benchmarks" / b).write_text(bench.read_text().replace("12.5", wall))
    (res / "figures/figB_8.json").write_text(json.dumps({"sources": [str(r.relative_to(tmp_path))
                                                                      for r in cell_runs + arch_runs]}))
    df, total = ledger(res)
    row = df.set_index("figure").loc["fig3_1"]
    assert row.jobs == 1 and row.wall_s_sum == 12.5 and row.peak_rss_mb == 900.0 and row.devices == "cpu:test"
    assert df.set_index("figure").loc["figB_1"].peak_rss_mb == 3500.0
    b8 = df.set_index("figure").loc["figB_8"]
    assert b8.jobs == 2 and b8.wall_s_sum == 50.0 and b8.missing_benchmarks == 0
    assert total["jobs"] == 4 and total["over_3gb"] == ["results/small/benchmarks/bitflip/seed0.tsv"]


def _many_series(offsets):
    """Six series of one network (one per layer) whose two seeds differ by 0.1 (sd 0.07); offsets[i] added
    to series i."""
    return curve_table({("mlp", f"l{i}", "duplicate_fraction"): (lambda o: lambda s, k: 0.2 + s / 4000 + 0.1 * k + o)(o)
                        for i, o in enumerate(offsets)})


def test_coherent_small_shift_is_caught_random_signs_are_not():
    ref = summarize(_many_series([0.0] * 6))
    # +0.1 in every series: ~1.4 seed sd, inside the per-aggregate tolerance - but all the same way
    failures = compare_tables(ref, _many_series([0.1] * 6), "figB_5")
    assert failures and all("systematic shift" in f for f in failures)
    # the same magnitude with mixed signs (what chaotic float noise does) passes
    assert compare_tables(ref, _many_series([0.1, -0.1, 0.1, -0.1, 0.1, -0.1]), "figB_5") == []


def test_two_tiers_exact_on_the_same_platform_statistical_elsewhere(tmp_path):
    from lop.provenance import platform_fingerprint
    from paper_checks.references import record_platform, tier

    results, refs = tmp_path / "results/small", tmp_path / "refs"
    (results / "figures").mkdir(parents=True)
    table().to_csv(results / "figures/fig3_1.csv", index=False)
    update(results, refs, ["fig3_1"])
    meta = json.loads((refs / "fig3_1.json").read_text())
    # the reference records what made it: commit, the preset's resolved parameters, the command, the platform
    assert meta["platforms"] == [platform_fingerprint()] and meta["command"].startswith("python -m paper_checks update-references")
    assert meta["parameters"]["preset"] == "small" and "commit" in meta
    tiers = {}
    assert not [f for f in compare(results, refs, tiers) if f.startswith("fig3_1")] and tiers["fig3_1"] == "exact"
    # a 1e-9 relative change: invisible to the statistical tier, a failure of the exact one
    t = table()
    t.loc[t.index[3], "seed0"] *= 1 + 1e-9
    t.loc[t.index[3], "mean"] = t.loc[t.index[3], ["seed0", "seed1"]].mean()
    t.loc[t.index[3], "std"] = t.loc[t.index[3], ["seed0", "seed1"]].std()
    t.to_csv(results / "figures/fig3_1.csv", index=False)
    assert any("same platform" in f for f in compare(results, refs) if f.startswith("fig3_1"))
    assert compare_tables(pd.read_csv(refs / "fig3_1.csv"), t, "fig3_1", exact=False) == []
    # another platform (or a reference that records none): the statistical tier
    meta["platforms"] = [{**meta["platforms"][0], "cpu": "another CPU"}]
    (refs / "fig3_1.json").write_text(json.dumps(meta))
    assert tier(refs / "fig3_1.json") == "statistical"
    assert not [f for f in compare(results, refs) if f.startswith("fig3_1")]
    # record-platform adds this platform only where its tables reproduce the references bitwise
    assert record_platform(results, refs)  # the 1e-9 change above: nothing recorded
    assert tier(refs / "fig3_1.json") == "statistical"
    table().to_csv(results / "figures/fig3_1.csv", index=False)
    others = [f for f in FIGURES if f != "fig3_1"]
    for fig in others:  # record_platform needs all 18: give the others a reference that they reproduce
        table().to_csv(results / "figures" / f"{fig}.csv", index=False)
    update(results, refs, others)
    assert record_platform(results, refs) == []
    assert tier(refs / "fig3_1.json") == "exact" and len(json.loads((refs / "fig3_1.json").read_text())["platforms"]) == 2


def test_statistical_tier_pools_the_spread_of_like_series():
    """Two seeds that happen to agree do not make a tight tolerance: a series is held to the pooled seed
    spread of its network's like series (with a t quantile for the pool's degrees of freedom), so a move of
    100x its own sd but within the pool's spread passes; a move far beyond it fails, in that series only."""
    tight = curve_table({("mlp", r, "dead_fraction"): (lambda o: lambda s, k: 0.1 + s / 1000 + o * k)(o)
                         for r, o in (("l0", 1e-4), ("l1", 0.05), ("l2", 0.04), ("l3", 0.06), ("l4", 0.05))})
    ref = summarize(tight)
    for shift, fails in ((0.01, False), (0.5, True)):
        moved = tight.copy()
        sel = moved["role"] == "l0"
        for col in ("seed0", "seed1", "mean"):
            moved.loc[sel, col] += shift
        failures = compare_tables(ref, moved, "fig3_1")
        assert bool(failures) == fails
        assert all("role=l0" in f or "series moved" in f for f in failures)


def test_a_table_inconsistent_with_its_seed_columns_fails_in_both_tiers():
    t = table()
    ref = summarize(t)
    bad = t.assign(std=t["std"] / 2 ** 0.5)  # ddof 0 instead of 1 over two seeds
    for exact in (False, True):
        assert any("sample std" in f for f in compare_tables(ref, bad, "fig3_1", exact=exact))
