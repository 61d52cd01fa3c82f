"""`snakemake -c2 all` at the small preset: every figure, the audit report, the data-level regression of
all 18 figure tables against the committed references, and the memory bound of every job."""
import csv

from paper_checks import FIGURES, VERDICTS
from paper_checks.references import compare


def test_all_18_figures_are_built_from_their_tables(small_run):
    for fig in FIGURES:
        pdf = small_run / "figures/small" / f"{fig}.pdf"  # a non-default preset: figures/<preset>/
        assert pdf.read_bytes().startswith(b"%PDF"), fig
        assert (small_run / "results/small/figures" / f"{fig}.csv").stat().st_size > 0


def test_figure_tables_match_the_committed_references(small_run):
    failures = compare(small_run / "results/small", small_run / "paper_checks/references/small")
    assert not failures, "data-level regression:\n" + "\n".join(failures[:40])


def test_report_gives_every_claim_a_verdict(small_run):
    from paper_checks.registry import load as load_claims

    md = (small_run / "results/small/paper_checks/report.md").read_text()
    assert (small_run / "results/small/paper_checks/report.html").stat().st_size > 0
    claims = load_claims()
    assert len(claims) > 50
    for c in claims:
        assert c.id in md, f"claim {c.id} missing from the report"
    assert any(v in md for v in VERDICTS)


def test_no_job_above_3_gb_peak_memory(small_run):
    peaks = {}
    for f in (small_run / "results").rglob("benchmarks/**/*.tsv"):
        rows = list(csv.DictReader(f.open(), delimiter="\t"))
        peaks[str(f.relative_to(small_run))] = float(rows[0]["max_rss"])
    assert peaks and max(peaks.values()) < 3000, max(peaks.items(), key=lambda kv: kv[1])
