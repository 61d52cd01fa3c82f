"""The published audit: a snapshot of one preset's verdicts, regenerated from results/ by one command.

    python -m paper_checks publish --preset decisive --out docs/audit/decisive

writes into --out (after running the report for the preset, so nothing is copied from an older run):

  report.md, verdicts.csv   the audit (paper_checks.report / paper_checks.verdicts) of results/<preset>
  forest.pdf, forest.png    every data-decided claim's effect and 95% interval against its threshold, grouped
                            by figure (x: distance from the threshold towards the claimed side, symlog)
  matrix.csv, matrix.md     claim x preset: the verdict of every claim at every preset whose verdicts.csv
                            exists under results/ (the published preset first)
  seeds_needed.md           per data-decided claim: seeds to reproduce / to contradict at the family's level,
                            with the sd's range (lop.tools.power over lop.stats, from this verdicts.csv)
  snapshot.json             command, commit (the code that judged) and the runs' commits (that trained),
                            platform (CPU model, torch build, Python), the jobs' summed wall and CPU time and
                            the build's elapsed time from the Snakemake benchmark files (paper_checks.ledger),
                            the registry hash, the hypothesis family, the verdict counts
  README.md                 what the snapshot is and how to regenerate it; its headline (`headline`) is what
                            the repository README quotes

The snapshot's claim ids are the registry's (a test checks it): a claim never silently leaves the audit.
"""
from __future__ import annotations

import json
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd

from . import DATA_VERDICTS
from .stats import CONTRADICTED

SNAPSHOT = "snapshot.json"


def _git(root: Path, *args) -> str:
    try:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def platform_info() -> dict:
    import os

    import torch

    return {"cpu": cpu_model(), "cores": os.cpu_count(), "torch": torch.__version__,
            "torch_config": " ".join(torch.__config__.show().split())[:400], "python": sys.version.split()[0],
            "system": platform.platform()}


def counts(df: pd.DataFrame) -> dict:
    """Verdict counts of the data-decided claims (all of them, and the hypothesis family's)."""
    data = df[df["decided_by"] == "data"]
    fam = data[data["in_family"].astype(str).isin(["True", "true", "1"])]
    out = {"data_decided": int(len(data)), "family": int(len(fam))}
    for v in DATA_VERDICTS:
        out[v] = int((fam["verdict"] == v).sum())
    out["contradicted"] = int(fam["verdict"].isin(CONTRADICTED).sum())
    out["resolved"] = out["reproduced"] + out["contradicted"]
    return out


def headline(snapshot_dir) -> str:
    """One line for the README's first screen, read from the snapshot (never typed)."""
    s = json.loads((Path(snapshot_dir) / SNAPSHOT).read_text())
    c = s["counts"]
    share = c["resolved"] / c["family"] if c["family"] else 0.0
    return (f"At preset `{s['preset']}` ({s['commit'][:10]}): {c['reproduced']} reproduced, {c['opposite']} opposite, "
            f"{c['smaller than claimed']} smaller than claimed, {c['not resolved']} not resolved, "
            f"{c['underpowered']} underpowered, {c['not run']} not run of the {c['family']} claims of its hypothesis "
            f"family ({share:.0%} resolved).")


def trained_at(results: Path) -> list[str]:
    """The commits that trained the preset's runs (each run's run.json): the snapshot's `commit` is the code
    that judged them, which may be later (a snapshot republished after a change that moves no number)."""
    return sorted({json.loads(f.read_text()).get("commit") or "?" for f in results.rglob("run.json")})


def compute_line(s: dict) -> str:
    """Where and how long the snapshot's build ran, read from the snapshot."""
    c, p = s["compute"], s["platform"]
    return (f"Trained at commit {', '.join(s['trained_at']) or '? (no run.json)'}, judged at {s['commit'][:12]}. "
            f"Built on {p['cpu']} ({p['cores']} cores, torch {p['torch']}): {c['jobs']} training and render jobs, "
            f"{c['cpu_s_sum'] / 60:.0f} min of job CPU, {c['elapsed_s'] / 60:.0f} min from the first job's start to "
            "the last job's end.")


def matrix(root: Path, preset: str, claim_ids: list[str]) -> pd.DataFrame:
    """claim x preset: the verdict at every preset whose verdicts.csv exists (blank where the claim is absent)."""
    presets = [preset] + sorted(p.name for p in (root / "results").glob("*")
                                if (p / "paper_checks" / "verdicts.csv").exists() and p.name != preset)
    out = pd.DataFrame({"claim": claim_ids})
    for p in presets:
        path = root / "results" / p / "paper_checks" / "verdicts.csv"
        if not path.exists():
            continue
        v = pd.read_csv(path, keep_default_na=False, na_values=[""]).set_index("claim")["verdict"]
        out[p] = out["claim"].map(v).fillna("")
    return out


def forest(df: pd.DataFrame, path_pdf: Path, title: str):
    """Each data-decided claim's effect and interval against its threshold, grouped by figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    d = df[(df["decided_by"] == "data")].copy()
    d["group"] = d["figures"].fillna("").astype(str).str.split().str[0].replace("", "other")
    d = d.sort_values(["group", "claim"])
    sign = np.where(d["side"] == "below", -1.0, 1.0)
    thr = d["threshold"].astype(float)
    x = (d["effect"].astype(float) - thr) * sign  # > 0: the claimed side of the threshold
    lo = (np.where(sign > 0, d["ci_low"], d["ci_high"]).astype(float) - thr) * sign
    hi = (np.where(sign > 0, d["ci_high"], d["ci_low"]).astype(float) - thr) * sign
    colors = {"reproduced": "tab:green", "opposite": "tab:red", "smaller than claimed": "tab:orange",
              "not resolved": "goldenrod", "underpowered": "tab:gray", "not run": "lightgray"}
    n = len(d)
    fig, ax = plt.subplots(figsize=(9, max(3.0, 0.16 * n + 1.5)))
    y = np.arange(n)[::-1]
    for yi, xi, l, h, v in zip(y, x, lo, hi, d["verdict"]):
        c = colors.get(v, "black")
        if np.isfinite(l) and np.isfinite(h):
            ax.plot([l, h], [yi, yi], color=c, lw=1.2)
        if np.isfinite(xi):
            ax.plot([xi], [yi], "o", color=c, ms=3)
    ax.axvline(0, color="black", lw=0.8)
    finite = np.abs(np.concatenate([x[np.isfinite(x)], lo[np.isfinite(lo)], hi[np.isfinite(hi)]]))
    lin = float(np.nanpercentile(finite[finite > 0], 10)) if (finite > 0).any() else 1e-3
    ax.set_xscale("symlog", linthresh=max(lin, 1e-9))
    ax.set_yticks(y)
    ax.set_yticklabels(d["claim"], fontsize=5)
    prev = None
    for yi, g in zip(y, d["group"]):
        if g != prev:
            ax.axhline(yi + 0.5, color="#ccc", lw=0.5)
            ax.text(1.01, yi, g, transform=ax.get_yaxis_transform(), fontsize=6, va="center")
            prev = g
    ax.set_xlabel("effect - threshold, towards the claimed side (symlog); 0 = the threshold")
    ax.set_title(title, fontsize=9)
    handles = [plt.Line2D([], [], color=c, marker="o", lw=1.2, label=v) for v, c in colors.items()]
    ax.legend(handles=handles, fontsize=6, loc="lower right")
    fig.tight_layout()
    fig.savefig(path_pdf)
    fig.savefig(path_pdf.with_suffix(".png"), dpi=120)
    plt.close(fig)


def publish(root: Path, preset: str, out: Path, claims_dir, command: str, report_exit: int) -> dict:
    """Write the snapshot of `preset`'s report (just rendered; its exit status `report_exit`) into `out` (see the
    module docstring)."""
    from . import registry
    from .ledger import ledger
    from .verdicts import read

    rc = report_exit
    src = root / "results" / preset / "paper_checks"
    df = read(src / "verdicts.csv")
    claims = registry.load(claims_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name in ("verdicts.csv", "report.md"):
        shutil.copyfile(src / name, out / name)
    from lop.tools.power import document, verdict_needs

    (out / "seeds_needed.md").write_text(document(verdict_needs(out / "verdicts.csv"), None,
                                                  {"verdicts": "verdicts.csv (this snapshot)"}, command))
    forest(df, out / "forest.pdf", f"arXiv 2510.00304 v1 at preset {preset}: effect and 95% interval vs threshold")
    m = matrix(root, preset, [c.id for c in claims])
    m.to_csv(out / "matrix.csv", index=False)
    lines = ["| " + " | ".join(m.columns) + " |", "|" + "---|" * len(m.columns)]
    lines += ["| " + " | ".join(f"`{v}`" if i == 0 else str(v) for i, v in enumerate(row)) + " |"
              for row in m.itertuples(index=False)]
    (out / "matrix.md").write_text("# Claim x preset: the verdict of every claim at every built preset\n\n"
                                   + "\n".join(lines) + "\n")
    _, total = ledger(root / "results" / preset)
    code = root if _git(root, "rev-parse", "HEAD") else Path(__file__).resolve().parent.parent  # the code that judged
    snap = {"preset": preset, "command": command, "report_exit": rc,
            "commit": _git(code, "rev-parse", "HEAD"), "dirty": bool(_git(code, "status", "--porcelain", "--", "lop",
                                                                          "paper_checks", "workflow", "config.yaml")),
            "trained_at": trained_at(root / "results" / preset),
            "platform": platform_info(),
            "compute": {"jobs": int(total["jobs"]), "wall_s_sum": float(total["wall_s_sum"]),
                        "cpu_s_sum": float(total["cpu_s_sum"]), "elapsed_s": float(total["elapsed_s"])},
            "registry_hash": registry.registry_hash(claims), "registered_hash": registry.registered_hash(),
            "seeds": {f: _seeds(preset, f) for f in ("continual", "cloning", "bitflip")},
            "family": [c for c, fam in zip(df["claim"], df["in_family"].astype(str)) if fam in ("True", "true", "1")],
            "claims": list(df["claim"]), "counts": counts(df)}
    (out / SNAPSHOT).write_text(json.dumps(snap, indent=1, default=str) + "\n")
    (out / "README.md").write_text(
        f"# The audit at preset `{preset}`\n\n{headline(out)}\n\n{compute_line(snap)}\n\n"
        f"Regenerate from `results/{preset}/` (after `snakemake -c2 all --config preset={preset}`):\n\n"
        f"```bash\n{command}\n```\n\n"
        "Files: [report.md](report.md) (the audit), [verdicts.csv](verdicts.csv) (one row per claim), "
        "[forest.pdf](forest.pdf) (effects vs thresholds), [matrix.md](matrix.md) (claim x preset), "
        "[seeds_needed.md](seeds_needed.md) (seeds each claim needs), "
        f"[{SNAPSHOT}]({SNAPSHOT}) (commit, platform, compute, counts).\n")
    return snap


def _seeds(preset: str, family: str):
    from lop.config import resolve_config

    return resolve_config(preset=preset)[family]["seeds"]
