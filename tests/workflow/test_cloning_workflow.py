"""Real `snakemake` runs of the cloning rules in a private copy of the checkout (results/ of the developer's
checkout are neither read nor touched): one small figure end to end with a seconds-long config, and the
paper-preset plan of all nine cloning figures (the paper's grid, each run once)."""
import pandas as pd
import pytest
from checkout_copy import copy_checkout, snakemake

FIGS = ["fig2_1", "figB_7", "figB_8", "figB_9", "figB_10", "figB_11", "figB_12", "figB_13", "figB_14"]
# Command-line config values win over the preset (lop.config.apply_preset), deep-merged.
TINY = """
preset: small
cloning:
  seeds: [0]
  stage1_steps: 20
  stage2_steps: 20
  log_every: 10
  eval_size: 100
  probe: {size: 64, max_rank_rows: 1024}
"""


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    return copy_checkout(tmp_path_factory.mktemp("cloning_checkout"), files={"tiny.yaml": TINY})


def test_figB_13_builds_and_shows_exact_clones(checkout):
    snakemake(checkout, "-c2", "--configfile", "tiny.yaml", "--", "figures/small/figB_13.pdf")  # a non-default preset: figures/<preset>/
    t = pd.read_csv(checkout / "results/small/figures/figB_13.csv")
    assert set(t.variant) == {"sgd", "adam"} and set(t.model) == {"base", "clone"}
    r2 = t[t.metric.isin(["r2_forward", "r2_backward"])]
    assert len(r2) and (r2["mean"] == 1.0).all()            # plain SGD and Adam never leave the manifold
    assert (t[t.metric == "one_minus_r2_forward"]["mean"] == 0.0).all()
    pdf = (checkout / "figures/small/figB_13.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and b"preset=small" in pdf
    runs = sorted((checkout / "results/small/cloning/mlp").glob("*/seed0/run.json"))
    assert [r.parent.parent.name for r in runs] == ["adam", "sgd"]
    bench = checkout / "results/small/benchmarks/cloning/mlp/sgd"
    assert (bench / "seed0.tsv").exists() or (bench / "seeds.tsv").exists()  # per seed, or per cell (job_group)


def test_paper_plan_is_the_paper_grid_once(checkout):
    out = snakemake(checkout, "-n", "--config", "preset=paper", "--", *[f"figures/paper/{f}.pdf" for f in FIGS]).stdout
    counts = {line.split()[0]: int(line.split()[1]) for line in out.splitlines()
              if len(line.split()) == 2 and line.split()[1].isdigit()}
    # mlp/vit: sgd, adam, dropout {0.1, 0.2}, noisy 3 sigma x 5 lambda = 19 each; cnn: sgd, noisy, 2 dropout;
    # resnet: sgd, noisy, dropout 0.1 -> 45 cells x 5 seeds
    assert counts["cloning_run"] == 45 * 5 and counts["cifar10_data"] == 1
    assert counts["figure_table"] == 9 and counts["render_figure"] == 9
    runs = [line.split("output: ")[1].split(",")[0] for line in out.splitlines() if "cloning/" in line and "output: " in line]
    assert len(runs) == len(set(runs)) == 225
    assert any("vit/noisy-s0.05-l0/seed4/" in r for r in runs) and any("resnet/dropout-p0.1/seed0" in r for r in runs)


def test_missing_cifar10_archive_is_a_clear_error(checkout):
    p = snakemake(checkout, "-c1", "--config", "preset=paper", "--", "results/data/cifar10/meta.json", check=False)
    assert p.returncode != 0
    log = (checkout / "results/data/logs/cifar10.log").read_text()
    assert "CIFAR-10 archive not found" in log and "data.cifar10.archive" in log
    assert "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz" in log
    assert not (checkout / "results/data/cifar10/x_train.npy").exists()
