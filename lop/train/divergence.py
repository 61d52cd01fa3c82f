"""What a non-finite loss does: the `divergence` policy (config key `divergence`, docs/reliability.md).

- `record` (default): the run ends as data. Its table keeps every value up to the first non-finite one;
  from there on every value is NaN (a NaN network's accuracy or rank is not a measurement), a
  `diverged_at` row gives the step, and run.json says `"diverged": {"step": ...}`. Figure tables then
  average the seeds that did not diverge and their `n_seeds` column shows how many did, so an unstable
  setting (ResNet without norm at the small preset's raised lr) is visible in the figure and the audit
  instead of aborting the whole `snakemake all`.
- `fail`: the job fails with FloatingPointError naming the run, the step and the learning-rate key, and
  writes no table.
"""
from __future__ import annotations

import sys

POLICIES = ("record", "fail")
METRIC = "diverged_at"


def on_divergence(policy: str, run: str, step: int, fix: str) -> dict:
    """Apply the policy to a run that diverged at `step`: raise (fail) or return the run.json record."""
    msg = f"{run}: training loss became non-finite at step {step}; {fix}"
    if policy == "fail":
        raise FloatingPointError(msg + " (or set `divergence: record` to keep the diverged run as data)")
    if policy != "record":
        raise ValueError(f"config key `divergence`: {policy!r} is not one of {POLICIES}")
    print(f"{msg}; recorded as data (divergence: record)", file=sys.stderr)
    return {"step": int(step)}
