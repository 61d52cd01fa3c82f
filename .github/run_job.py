#!/usr/bin/env python3
"""Run one job of a GitHub Actions workflow here, step by step, from the workflow file itself.

    .venv/bin/python .github/run_job.py .github/workflows/ci.yml regenerate          # run its `run:` steps
    .venv/bin/python .github/run_job.py .github/workflows/ci.yml regenerate --list   # the plan; runs nothing
    .venv/bin/python .github/run_job.py .github/workflows/ci.yml                     # the file's jobs

The `run:` steps run in order with bash (`-eo pipefail`, as `shell: bash` does on GitHub) from the
repository root, with the workflow's, the job's and the step's `env:`; a failing step stops the job
with its exit status. `uses:` steps (checkout, setup-python, cache, upload-artifact) are GitHub's and
are skipped, and each skip is printed. Because the steps are read from the YAML, the local run and the
CI run cannot drift. Steps must stay plain bash: a `run:` step holding a `${{ ... }}` expression, or a
step whose `if:` is anything but success()/always(), is refused or skipped with a message.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

try:
    import yaml
except ImportError:  # the project's venv has it (pyyaml is a dependency)
    raise SystemExit("run_job: needs PyYAML; run it with the project's venv: .venv/bin/python .github/run_job.py ...")

REPO = Path(__file__).resolve().parents[1]
RUN_IFS = {None, "success()", "always()", "${{ success() }}", "${{ always() }}"}


def load(workflow: Path) -> dict:
    # PyYAML reads the bare key `on:` as True; the jobs are all this script needs.
    return yaml.safe_load(Path(workflow).read_text())


def plan(workflow: Path, job: str) -> list[dict]:
    """The job's steps as [{index, name, action: run|skip, why, script, env, cwd}]."""
    doc = load(workflow)
    jobs = doc.get("jobs") or {}
    if job not in jobs:
        raise SystemExit(f"run_job: no job {job!r} in {workflow}; jobs: {', '.join(jobs)}")
    spec = jobs[job]
    base_env = {**(doc.get("env") or {}), **(spec.get("env") or {})}
    shell = ((spec.get("defaults") or doc.get("defaults") or {}).get("run") or {}).get("shell", "bash")
    steps = []
    for i, step in enumerate(spec.get("steps") or [], 1):
        name = step.get("name") or step.get("uses") or (step.get("run") or "").strip().splitlines()[0]
        entry = {"index": i, "name": name, "env": {**base_env, **(step.get("env") or {})},
                 "cwd": step.get("working-directory"), "script": step.get("run"), "shell": step.get("shell", shell)}
        cond = step.get("if")
        cond = cond.strip() if isinstance(cond, str) else cond
        if "uses" in step:
            entry.update(action="skip", why=f"uses {step['uses']} (GitHub's; not run here)")
        elif cond not in RUN_IFS:
            entry.update(action="skip", why=f"if: {cond} (only success()/always() are evaluated here)")
        elif "${{" in (step.get("run") or ""):
            raise SystemExit(f"run_job: step {i} ({name}) of {job} uses a ${{{{ }}}} expression; "
                             "keep run: steps plain bash so that they run here too")
        elif entry["shell"] != "bash":
            raise SystemExit(f"run_job: step {i} ({name}) of {job} has shell {entry['shell']!r}; only bash runs here")
        else:
            entry.update(action="run", why="")
        steps.append(entry)
    return steps


def show(workflow: Path, job: str, steps: list[dict]) -> None:
    print(f"{workflow} :: {job}")
    for s in steps:
        if s["action"] == "skip":
            print(f"  {s['index']:>2}. skip  {s['name']}  [{s['why']}]")
        else:
            print(f"  {s['index']:>2}. run   {s['name']}")
            for line in s["script"].rstrip().splitlines():
                print(f"          $ {line}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workflow", type=Path, help="the workflow file, e.g. .github/workflows/ci.yml")
    ap.add_argument("job", nargs="?", help="the job id (omit to list the file's jobs)")
    ap.add_argument("--list", "--dry-run", dest="dry", action="store_true", help="print the steps; run nothing")
    ap.add_argument("--from-step", type=int, default=1, metavar="N", help="start at step N (resume)")
    a = ap.parse_args(argv)
    if a.job is None:
        for jid, spec in (load(a.workflow).get("jobs") or {}).items():
            print(f"{jid}\t{spec.get('name', '')}\t(timeout {spec.get('timeout-minutes', 360)} min)")
        return 0
    steps = plan(a.workflow, a.job)
    if a.dry:
        show(a.workflow, a.job, steps)
        return 0
    t_job = time.monotonic()
    for s in steps:
        if s["index"] < a.from_step:
            print(f"[run_job] {s['index']:>2}. not run (--from-step {a.from_step}): {s['name']}", flush=True)
            continue
        if s["action"] == "skip":
            print(f"[run_job] {s['index']:>2}. skipped: {s['name']} [{s['why']}]", flush=True)
            continue
        print(f"[run_job] {s['index']:>2}. {s['name']}", flush=True)
        cwd = REPO / s["cwd"] if s["cwd"] else REPO
        env = {**os.environ, **{k: str(v) for k, v in s["env"].items()}}
        t0 = time.monotonic()
        rc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", s["script"]],
                            cwd=cwd, env=env).returncode
        dt = time.monotonic() - t0
        print(f"[run_job] {s['index']:>2}. exit {rc} after {dt:.0f} s", flush=True)
        if rc != 0:
            print(f"[run_job] {a.job}: failed at step {s['index']} ({s['name']}); "
                  f"resume with --from-step {s['index']}", flush=True)
            return rc
    print(f"[run_job] {a.job}: all steps passed in {time.monotonic() - t_job:.0f} s wall", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
