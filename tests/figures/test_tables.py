"""Figure tables B.1 / B.2 from run tables: binning, phase windows, mean/std over seeds."""
import numpy as np
import pandas as pd

from lop.figtables import bitflip as bf


def fake_runs(n=10_000, every=1000, start=5000):
    rows = []
    for seed in (0, 1):
        for step in range(every, n + every, every):
            phase = "cbp" if step > start else "sgd"
            for metric in ("loss", "effective_rank", "duplicate_fraction", "dead_fraction"):
                # value encodes step and seed so the averages can be checked exactly
                rows.append((step, 7, seed, phase, metric, step / 1000 + 100 * seed))
    df = pd.DataFrame(rows, columns=["step", "width", "seed", "phase", "metric", "value"])
    df["switch"] = 0.5
    return df


def test_b2_averages_the_last_window_of_each_phase():
    p = {"n_samples": 10_000, "phase_window": 2000, "bin": 5000, "cbp": {"variant": "paper"}}
    t = bf.figB_2(fake_runs(), p)
    r = t[(t.metric == "effective_rank")].set_index("phase")
    # SGD window: steps 4000, 5000 -> 4.5 (+100 for seed 1); CBP window: 9000, 10000 -> 9.5
    assert np.isclose(r.loc["sgd", "mean"], 4.5 + 50)
    assert np.isclose(r.loc["cbp", "mean"], 9.5 + 50)
    assert np.isclose(r.loc["cbp", "std"], np.std([9.5, 109.5], ddof=1))
    assert (t.n_seeds == 2).all()
    # every seed's own value, so that the audit can form an interval over seeds
    assert np.isclose(r.loc["cbp", "seed0"], 9.5) and np.isclose(r.loc["cbp", "seed1"], 109.5)


def test_b1_bins_samples_and_marks_the_switch():
    p = {"n_samples": 10_000, "phase_window": 2000, "bin": 5000, "cbp": {"variant": "paper"}}
    t = bf.figB_1(fake_runs(), p)
    r = t[(t.metric == "loss") & (t.samples == 5000)]
    assert np.isclose(r["mean"].iloc[0], 3.0 + 50)  # steps 1000..5000 -> mean 3
    assert np.isclose(r["seed0"].iloc[0], 3.0) and np.isclose(r["seed1"].iloc[0], 103.0)
    assert set(t.samples) == {5000, 10_000}
    assert (t.switch_step == 5000).all()
