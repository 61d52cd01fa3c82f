"""Test-result evidence: run pytest on the node ids the registry names, read the junit XML.

A claim that rests on a theorem test names pytest node ids ("tests/theory/test_lemma_a1.py::test_x"; a
function id covers all its parametrisations). The checker runs exactly those nodes once (a few minutes at
most, see the report) or reads a junit XML written earlier (`--junit`).
"""
from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"


def run_pytest(nodes, junit_path, repo_root, workers: int = 1, timeout_s: int = 1200) -> int:
    """Run pytest on `nodes` writing a junit XML; returns pytest's exit code (1 = some tests failed)."""
    junit_path = Path(junit_path)
    junit_path.parent.mkdir(parents=True, exist_ok=True)
    junit_path.unlink(missing_ok=True)  # never read a stale result if pytest dies before writing
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "paper_checks.residuals", "-o", "addopts=",
           f"--junitxml={junit_path}", *sorted(set(nodes))]
    if workers > 1:
        cmd[4:4] = ["-n", str(workers)]  # user_properties travel from xdist workers into the junit XML
    here = str(Path(__file__).resolve().parent.parent)  # the residuals plugin must import, pip-installed or not
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"),
           "PYTHONPATH": os.pathsep.join(p for p in (here, os.environ.get("PYTHONPATH", "")) if p)}
    proc = subprocess.run(cmd, cwd=repo_root, env=env, capture_output=True, text=True, timeout=timeout_s)
    (junit_path.with_suffix(".log")).write_text(proc.stdout[-20000:] + "\n" + proc.stderr[-20000:])
    return proc.returncode


def _node_id(case: ET.Element, repo_root: Path) -> str:
    """junit (classname 'tests.theory.test_x[.Class]', name 'test_f[p]') -> 'tests/theory/test_x.py::[Class::]test_f[p]'."""
    parts = case.get("classname", "").split(".")
    for cut in range(len(parts), 0, -1):  # the longest prefix that is a file is the module
        path = "/".join(parts[:cut]) + ".py"
        if (repo_root / path).exists() or cut == 1:
            return "::".join([path, *parts[cut:], case.get("name", "")])
    return case.get("name", "")


class Results(dict):
    """{node id: passed | failed | skipped}; `.residuals` {node id: (residual, tolerance)} where recorded."""

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.residuals: dict[str, tuple[float, float]] = {}


def read_junit(junit_path, repo_root) -> Results:
    """Test statuses (and the residuals paper_checks.residuals recorded) from a junit XML file."""
    out = Results()
    root = ET.parse(junit_path).getroot()
    for case in root.iter("testcase"):
        tags = {child.tag for child in case}
        status = FAILED if tags & {"failure", "error"} else SKIPPED if "skipped" in tags else PASSED
        nid = _node_id(case, Path(repo_root))
        out[nid] = status
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        if "residual" in props and "tolerance" in props:
            out.residuals[nid] = (float(props["residual"]), float(props["tolerance"]))
    return out


def residuals_for(node: str, results) -> dict[str, tuple[float, float]]:
    """{test case id: (residual, tolerance)} of the cases `node` selects that recorded one."""
    res = getattr(results, "residuals", {})
    return {nid: rt for nid, rt in res.items() if nid == node or nid.startswith((node + "[", node + "::"))}


def outcomes_for(node: str, results: dict[str, str]) -> list[str]:
    """Statuses of every test case that `node` selects (exact id, or its parametrisations)."""
    return [s for nid, s in results.items() if nid == node or nid.startswith((node + "[", node + "::"))]
