"""Per-figure compute ledger: wall time, peak memory and device of the jobs behind each figure table.

Sources: the figure table's sidecar (`results/<preset>/figures/<fig>.json`, key `sources` = the runs'
metrics.parquet files), each run's run.json (device, wall_time_s) and Snakemake's benchmark files
(`results/<preset>/benchmarks/<experiment>/.../seed<k>.tsv`: s = wall seconds, max_rss = peak MB). A run
shared by several figures is counted in each figure and once in the total. Jobs whose benchmark is not
found are listed as missing, never guessed.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from . import FIGURES


def read_benchmark(path: Path) -> dict:
    df = pd.read_csv(path, sep="\t")
    row = df.iloc[-1]  # `--benchmark-repeats` appends rows; the last is the latest
    return {"wall_s": float(row["s"]), "max_rss_mb": float(row["max_rss"]),
            "cpu_s": float(row["cpu_time"]) if "cpu_time" in row else float("nan")}


def benchmark_for(run_table: Path, results: Path) -> Path | None:
    """The benchmark file of the job that wrote a run, results/<p>/<exp>/a/b/seedK/metrics.parquet ->
    results/<p>/benchmarks/<exp>/...: a job per run `a/b/seedK.tsv`; a job per cell (`job_group: cell`, every
    seed) `a/b/seeds.tsv`; a job per arch (`job_group: arch`) `a/all.tsv` (lop.jobs labels); a job that writes
    several runs of one seed (bit flipping: every width) with middle folders dropped until a file exists."""
    rel = run_table.parent.relative_to(results)
    parts = list(rel.parts)
    first, last, middle = parts[0], parts[-1], parts[1:-1]
    bench = results / "benchmarks" / first
    grouped = [bench / Path(*middle, "seeds.tsv")] if middle else []
    grouped += [bench / middle[0] / "all.tsv"] if middle else []
    for cand in grouped:
        if cand.exists():
            return cand
    for k in range(len(middle) + 1):
        for i in range(len(middle) - k + 1):
            kept = middle[:i] + middle[i + k:]
            cand = bench / Path(*kept, f"{last}.tsv") if kept else bench / f"{last}.tsv"
            if cand.exists():
                return cand
    return None


def jobs_of(fig: str, results: Path) -> list[dict]:
    meta_path = results / "figures" / f"{fig}.json"
    if not meta_path.exists():
        return []
    meta = json.loads(meta_path.read_text())
    root = results.parent.parent
    out = []
    for src in meta.get("sources", []):
        run_table = root / src
        run_json = run_table.parent / "run.json"
        rec = json.loads(run_json.read_text()) if run_json.exists() else {}
        bench = benchmark_for(run_table, results) if run_table.is_relative_to(results) else None
        job = {"run": str(run_table.parent.relative_to(root)), "device": rec.get("device", "?"),
               "benchmark": str(bench.relative_to(root)) if bench else None}
        job.update(read_benchmark(bench) if bench else {"wall_s": float("nan"), "max_rss_mb": float("nan"),
                                                        "cpu_s": float("nan")})
        out.append(job)
    render = results / "benchmarks" / "render" / f"{fig}.tsv"
    if render.exists():
        out.append({"run": f"render {fig}", "device": "cpu", "benchmark": str(render.relative_to(root)),
                    **read_benchmark(render)})
    return out


def ledger(results: str | Path) -> tuple[pd.DataFrame, dict]:
    """One row per figure (jobs, summed wall seconds, max peak RSS, devices, missing benchmarks) + totals."""
    results = Path(results)
    rows, seen = [], {}
    for fig in FIGURES:
        jobs = jobs_of(fig, results)
        by_bench = {j["benchmark"]: j for j in jobs if j["benchmark"]}  # a bit-flip job serves 4 runs
        missing = [j["run"] for j in jobs if not j["benchmark"]]
        seen.update(by_bench)
        b = list(by_bench.values())
        rows.append({
            "figure": fig, "table": (results / "figures" / f"{fig}.csv").exists(), "jobs": len(b),
            "wall_s_sum": sum(j["wall_s"] for j in b), "cpu_s_sum": sum(j.get("cpu_s", float("nan")) for j in b),
            "peak_rss_mb": max((j["max_rss_mb"] for j in b), default=float("nan")),
            "devices": ", ".join(sorted({j["device"] for j in jobs})) or "-", "missing_benchmarks": len(missing)})
    all_jobs = list(seen.values())
    total = {"jobs": len(all_jobs), "wall_s_sum": sum(j["wall_s"] for j in all_jobs),
             "cpu_s_sum": sum(j.get("cpu_s", float("nan")) for j in all_jobs),
             "peak_rss_mb": max((j["max_rss_mb"] for j in all_jobs), default=float("nan")),
             "over_3gb": [j["benchmark"] for j in all_jobs if j["max_rss_mb"] > 3072],
             "elapsed_s": elapsed(results)}
    return pd.DataFrame(rows), total


def elapsed(results: Path) -> float:
    """Seconds from the first job's start to the last job's end of the build that made results/<preset>/: each
    benchmark file is written when its job ends (mtime) and records the job's wall seconds. Meaningful for one
    uninterrupted build (a resumed or partly rebuilt tree spans its pauses)."""
    spans = [(f.stat().st_mtime - read_benchmark(f)["wall_s"], f.stat().st_mtime)
             for f in (results / "benchmarks").rglob("*.tsv")]
    return max(e for _, e in spans) - min(s for s, _ in spans) if spans else float("nan")
