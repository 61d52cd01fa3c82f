"""paper_checks.publish: the snapshot regenerates from a results tree by one command, its claim ids are the
registry's, its headline is read from it, and the committed snapshot (when present) matches the registry."""
import json
from pathlib import Path

import pandas as pd
import pytest

from pc_helpers import curve_table, write_claims
from paper_checks import registry
from paper_checks.__main__ import main
from paper_checks.publish import SNAPSHOT, headline

REPO = Path(__file__).resolve().parents[2]
CLAIMS = """
- id: dead-rises
  for_each: {arch: [mlp, cnn]}
  claim: "{arch}: dead fraction rises"
  location: "Fig. 3.1"
  kind: figure
  rationale: "two points of a fraction"
  figures: [fig3_1]
  checks:
    - {comparator: trend, table: fig3_1, where: {arch: "{arch}"}, direction: up, min_change: 0.02}
- id: rank-falls
  claim: "rank falls (its table is not built)"
  location: "Fig. 3.2"
  kind: figure
  rationale: "direction only"
  checks:
    - {comparator: trend, table: fig3_2, where: {arch: mlp}, direction: down, min_change: 0.0}
- id: configured
  claim: "500 steps per task"
  location: "Sec. 3"
  kind: number
  checks:
    - comparator: config
      items: [{preset: paper, key: continual.steps_per_task, equals: 500}]
"""
NOISE = [0.003, -0.002, 0.001, -0.003, 0.002, -0.001]


def test_publish_writes_a_snapshot_whose_claims_are_the_registrys(root):
    (root / "config.yaml").write_text("preset: small\n")
    for preset, seeds in (("paper", range(6)), ("small", range(2))):
        (root / f"results/{preset}/figures").mkdir(parents=True, exist_ok=True)
        curve_table({("mlp", "symptom", "dead_fraction"): lambda s, k: 0.1 + s / 1000 + NOISE[k],
                     ("cnn", "symptom", "dead_fraction"): lambda s, k: 0.5 - s / 1000 + NOISE[k]},
                    seeds=tuple(seeds)).to_csv(root / f"results/{preset}/figures/fig3_1.csv", index=False)
    claims_dir = write_claims(root / "claims", CLAIMS)
    assert main(["report", "--preset", "small", "--root", str(root), "--claims", str(claims_dir)]) == 0
    out = root / "docs/audit/paper"
    rc = main(["publish", "--preset", "paper", "--root", str(root), "--claims", str(claims_dir), "--out", str(out)])
    assert rc == 0
    for name in ("report.md", "verdicts.csv", "forest.pdf", "forest.png", "matrix.csv", "matrix.md", SNAPSHOT,
                 "README.md", "seeds_needed.md"):
        assert (out / name).exists(), name
    snap = json.loads((out / SNAPSHOT).read_text())
    ids = [c.id for c in registry.load(claims_dir)]
    assert snap["claims"] == ids == list(pd.read_csv(out / "verdicts.csv")["claim"])
    assert snap["family"] == ["dead-rises[mlp]", "dead-rises[cnn]", "rank-falls"]
    assert snap["counts"]["reproduced"] == 1 and snap["counts"]["opposite"] == 1 and snap["counts"]["not run"] == 1
    assert snap["command"].startswith("python -m paper_checks publish --preset paper")
    assert {"cpu", "torch"} <= set(snap["platform"]) and "wall_s_sum" in snap["compute"]
    m = pd.read_csv(out / "matrix.csv", keep_default_na=False)
    assert list(m.columns) == ["claim", "paper", "small"] and list(m["claim"]) == ids
    assert m.set_index("claim").loc["dead-rises[mlp]", "small"] == "underpowered"
    assert "| dead-rises[mlp] | reproduced | 6 |" in (out / "seeds_needed.md").read_text()
    line = headline(out)
    assert "1 reproduced, 1 opposite" in line and "of the 3 claims" in line
    assert line in (out / "README.md").read_text()


def test_headline_command_prints_the_snapshots_counts(tmp_path, capsys):
    out = tmp_path / "snap"
    out.mkdir()
    counts = {"reproduced": 3, "opposite": 1, "smaller than claimed": 2, "not resolved": 4, "underpowered": 0,
              "not run": 0, "family": 10, "resolved": 6}
    (out / SNAPSHOT).write_text(json.dumps({"preset": "decisive", "commit": "abc", "counts": counts}))
    assert main(["headline", "--out", str(out)]) == 0
    assert "3 reproduced, 1 opposite, 2 smaller than claimed, 4 not resolved" in capsys.readouterr().out
    assert "(60% resolved)" in headline(out)


def test_the_committed_snapshot_holds_the_registrys_claims():
    snaps = sorted((REPO / "docs/audit").glob(f"*/{SNAPSHOT}"))
    if not snaps:
        pytest.skip("no published snapshot yet (python -m paper_checks publish --preset decisive)")
    ids = [c.id for c in registry.load()]
    for path in snaps:
        assert json.loads(path.read_text())["claims"] == ids, f"{path}: republish after a registry change"


def test_the_readme_quotes_every_published_headline():
    snaps = sorted((REPO / "docs/audit").glob(f"*/{SNAPSHOT}"))
    if not snaps:
        pytest.skip("no published snapshot yet (python -m paper_checks publish --preset decisive)")
    readme = (REPO / "README.md").read_text()
    for path in snaps:
        assert headline(path.parent) in readme, f"README: quote `python -m paper_checks headline --out {path.parent}`"
