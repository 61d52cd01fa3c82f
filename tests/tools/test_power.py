"""lop.tools.power: the command over lop.stats (per claim from verdicts.csv, per series of a table) and the
generated docs/power_analysis.md."""
import numpy as np
import pandas as pd
import pytest

from lop.stats import MIN_SEEDS
from lop.tools.power import main, table_changes, verdict_needs


def test_table_changes_read_planted_per_seed_drops(tmp_path):
    steps = np.arange(0, 100, 10)
    drops = np.array([0.30, 0.25, 0.35, 0.28, 0.32])
    rows = []
    for s in steps:
        row = {"arch": "mlp", "variant": "none", "role": "accuracy", "layer": "online", "metric": "accuracy",
               "step": s}
        row.update({f"seed{i}": 0.9 - drops[i] * (s >= 70) for i in range(5)})
        rows.append(row)
    path = tmp_path / "fig.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    r = table_changes(path).iloc[0]
    assert r["change"] == pytest.approx(-drops.mean()) and r["sd"] == pytest.approx(drops.std(ddof=1))
    assert r["p"] < 1e-4 and r["n"] == 5 and r["to_reproduce"] == MIN_SEEDS  # a large effect: the floor


def test_verdicts_to_seeds_needed_and_the_generated_document(tmp_path):
    v = pd.DataFrame([{"claim": "a", "verdict": "not resolved", "decided_by": "data", "threshold": 0.02, "side": "above",
                       "per_seed": "seed5=0.01;seed6=0.05;seed7=0.03;seed8=0.0;seed9=0.04", "alpha_needed": 0.01},
                      {"claim": "b", "verdict": "proven by test", "decided_by": "label", "threshold": None,
                       "side": None, "per_seed": None, "alpha_needed": None}])
    v.to_csv(tmp_path / "verdicts.csv", index=False)
    need = verdict_needs(tmp_path / "verdicts.csv")
    assert list(need["claim"]) == ["a"] and need["to_reproduce"].iloc[0] > MIN_SEEDS
    assert need["low"].iloc[0] <= need["to_reproduce"].iloc[0] <= need["high"].iloc[0]
    doc = tmp_path / "power.md"
    main(["--verdicts", str(tmp_path / "verdicts.csv"), "--write", str(doc)])
    text = doc.read_text()
    assert "Generated" in text and "python -m lop.tools.power" in text and "| a | not resolved | 5 |" in text
