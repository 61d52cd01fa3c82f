"""`snakemake figures/fig3_1.pdf` end to end at the small preset, and clear CLI errors for bad config."""
import json

import pandas as pd

from conftest import snakemake


def test_fig3_1_table_holds_all_archs_seeds_and_both_series(small_run):
    t = pd.read_csv(small_run / "results/small/figures/fig3_1.csv")
    assert set(t.arch) == {"mlp", "cnn", "resnet", "vit"}
    assert set(t.role) == {"symptom", "accuracy"}
    assert {"mean", "std", "seed0", "seed1"} <= set(t.columns) and (t.n_seeds == 2).all()
    assert set(t[t.arch == "vit"][t.role == "symptom"].metric) == {"duplicate_fraction"}
    assert set(t[t.arch == "mlp"][t.role == "symptom"].metric) == {"dead_fraction"}
    assert t[["mean", "std"]].notna().all().all()
    # the PDF exists and names its provenance
    pdf = (small_run / "figures/small/fig3_1.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and b"preset=small" in pdf
    meta = json.loads((small_run / "results/small/figures/fig3_1.json").read_text())
    assert meta["preset"] == "small" and meta["rows"] == len(t)


def test_every_run_has_provenance_and_benchmark(small_run):
    runs = sorted((small_run / "results/small/continual").glob("*/none/seed*/run.json"))
    assert len(runs) == 8
    for r in runs:
        rec = json.loads(r.read_text())
        assert rec["versions"]["torch"] and rec["wall_time_s"] > 0
        # the settings this run read: its arch's sizes and the keys all archs share (init), no other arch's
        assert set(rec["config"]["models"]) == {rec["arch"], "init"}
        cell = small_run / "results/small/benchmarks/continual" / rec["arch"] / "none"
        bench = cell / f"seed{rec['seed']}.tsv" if (cell / f"seed{rec['seed']}.tsv").exists() else cell / "seeds.tsv"
        rss_mb = float(bench.read_text().splitlines()[1].split("\t")[2])
        assert rss_mb < 3000, f"{bench}: {rss_mb} MB peak"


def test_paper_plan_prepares_tiny_imagenet_and_20_runs(small_run):
    out = snakemake(small_run, "-n", "--config", "preset=paper", "--", "figures/paper/fig3_1.pdf").stdout
    counts = {line.split()[0]: int(line.split()[1]) for line in out.splitlines()
              if len(line.split()) == 2 and line.split()[1].isdigit()}
    assert counts["tinyimagenet_data"] == 1 and counts["continual_run"] == 20


def test_bad_config_is_a_clear_error(small_run):
    p = snakemake(small_run, "-n", "figures/fig3_1.pdf", "--config", "preset=huge", check=False)
    assert p.returncode != 0 and "unknown preset 'huge'" in p.stdout + p.stderr
    p = snakemake(small_run, "-n", "figures/fig3_1.pdf", "--config", "device=tpu", check=False)
    assert p.returncode != 0 and "device" in p.stdout + p.stderr


def test_missing_dataset_archive_is_a_clear_error(small_run):
    p = snakemake(small_run, "-c1", "results/data/tinyimagenet/meta.json", "--config", "preset=paper", check=False)
    assert p.returncode != 0
    log = (small_run / "results/data/logs/tinyimagenet.log").read_text()
    assert "Tiny ImageNet archive not found" in log and "data.tinyimagenet.archive" in log
    assert not (small_run / "results/data/tinyimagenet/x_train.npy").exists()
