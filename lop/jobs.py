"""How a family's training runs are grouped into Snakemake jobs (config `<family>.job_group`).

- `run`:  one job per (arch, variant, seed) - most parallel; right for GPU clusters (paper presets).
- `cell`: one job per (arch, variant) trains every seed in one process.
- `arch`: one job per arch trains every variant and seed that any figure of the family reads, in one
  process: the per-process start-up (imports, data to the device; about 6.5 s on a 2-core CPU) is paid
  once per arch. The job trains that arch's whole grid even when only one figure was asked for.

A `JobTemplate` is one run rule: its runs, with `{arch}`, `{variant}` as Snakemake wildcards where the
grouping leaves them open. The run rules of workflow/rules/{continual,cloning}.smk are built from these.
"""
from __future__ import annotations

from dataclasses import dataclass

from .figures import FAMILIES, of_family

GROUPINGS = ("run", "cell", "arch")
# Relative CPU cost of one training step per arch at the CPU tiers' shapes, in units of half an MLP step
# (one thread, fused Adam excluded, conv nets channels-last as the CPU tiers train them: MLP ~1.8 ms,
# CNN ~2.6, ResNet ~6.8, ViT ~8.8 on a 2-core EPYC, 2026-12-05). A scheduling hint only: it orders jobs,
# never touches a number. Any other arch counts as 2.
STEP_COST = {"mlp": 2, "cnn": 3, "resnet": 7, "vit": 10}


@dataclass(frozen=True)
class JobTemplate:
    name: str  # the rule's name
    label: str  # log / benchmark file stem, with the same wildcards as the runs
    cells: tuple  # ({"arch", "variant", "seed"} with "{arch}"-style wildcards where open)

    def runs(self, wildcards: dict) -> list[dict]:
        """The concrete runs of one job, given its wildcard values."""
        return [{k: str(v).format(**wildcards) for k, v in c.items()} for c in self.cells]

    def run_dirs(self, family: str) -> list[str]:
        """Run folders (relative to results/<preset>/) as Snakemake output patterns."""
        return [FAMILIES[family].run_dir.format(**c) for c in self.cells]


def job_priority(family: str, job: JobTemplate, cfg: dict):
    """Snakemake `priority:` of a run job, a function of its wildcards: the job's estimated cost (runs x steps
    per run x STEP_COST). With more ready jobs than cores Snakemake starts the highest priority first, so the
    longest jobs start first and no long job is left to run alone at the end (longest-processing-time-first:
    `figures/fig3_1.pdf` at the cpu tier had its ResNet cell start last, after the MLP, and run alone for
    two and a half minutes)."""
    sec = cfg[family]
    steps = (sec["num_tasks"] * (sec["steps_per_task"] or 1) if family == "continual"
             else (sec["stage1_steps"] or 1) + 2 * (sec["stage2_steps"] or 1))

    def priority(wildcards) -> int:
        return sum(STEP_COST.get(r["arch"], 2) * steps for r in job.runs(dict(wildcards.items())))

    return priority


def job_templates(family: str, cfg: dict) -> list[JobTemplate]:
    """The run rules of `family` under the resolved config (one rule, or one per arch for `arch`)."""
    sec = cfg[family]
    group = sec["job_group"]
    name = f"{family}_run"
    if group == "run":
        return [JobTemplate(name, "{arch}/{variant}/seed{seed}",
                            ({"arch": "{arch}", "variant": "{variant}", "seed": "{seed}"},))]
    if group == "cell":
        return [JobTemplate(name, "{arch}/{variant}/seeds",
                            tuple({"arch": "{arch}", "variant": "{variant}", "seed": s} for s in sec["seeds"]))]
    if group != "arch":
        raise ValueError(f"config key `{family}.job_group`: {group!r} is not one of {GROUPINGS}")
    cells = list(dict.fromkeys((c["arch"], c["variant"]) for f in of_family(family) for c in f.cells(cfg)))
    return [JobTemplate(f"{name}_{a}", f"{a}/all",
                        tuple({"arch": a, "variant": v, "seed": s} for b, v in cells if b == a for s in sec["seeds"]))
            for a in dict.fromkeys(b for b, _ in cells)]
